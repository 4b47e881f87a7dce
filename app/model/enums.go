package model

// Option is one choice of a select: the stored code and the shown name.
type Option struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// OptionName returns the name of code in opts, or "".
func OptionName(opts []Option, code string) string {
	for _, o := range opts {
		if o.Code == code {
			return o.Name
		}
	}
	return ""
}

// ID document types of a legal representative. IDTypeResident is the one
// whose number is checked against GB 11643.
const IDTypeResident = "1"

var IDTypes = []Option{
	{IDTypeResident, "居民身份证"},
	{"2", "护照"},
	{"3", "港澳居民来往内地通行证"},
	{"4", "台湾居民来往大陆通行证"},
	{"5", "外国人永久居留身份证"},
	{"6", "港澳台居民居住证"},
}

// EnterpriseTypes follows the market-supervision categories of enterprises.
var EnterpriseTypes = []Option{
	{"1100", "有限责任公司"},
	{"1200", "股份有限公司"},
	{"3100", "全民所有制企业"},
	{"3200", "集体所有制企业"},
	{"4100", "个人独资企业"},
	{"4200", "合伙企业"},
	{"5000", "外商投资企业"},
	{"6000", "港澳台投资企业"},
	{"9100", "个体工商户"},
	{"9900", "其他"},
}

func checkOption(opts []Option) func(string) error {
	return func(s string) error {
		if OptionName(opts, s) == "" {
			return errorf("请从列表中选择")
		}
		return nil
	}
}
