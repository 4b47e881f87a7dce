package refdata

import (
	"slices"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Divisions) < 3000 {
		t.Errorf("%d divisions, want the ~3200 of GB/T 2260", len(d.Divisions))
	}
	if d.GB2260.Revision != "mca/201904" {
		t.Errorf("GB/T 2260 revision %q", d.GB2260.Revision)
	}
	if len(d.CustomsDistricts) != len(d.CustomsTable) || len(d.CustomsDistricts) < 200 {
		t.Errorf("%d customs options of %d table rows, want the ~200 codes of the table", len(d.CustomsDistricts), len(d.CustomsTable))
	}
	for code, name := range map[string]string{"0100": "北京关区", "0200": "天津关区", "2200": "上海关区", "5100": "广州关区", "5300": "深圳关区",
		"0101": "机场单证", "2201": "浦江海关", "5301": "皇岗海关"} {
		if got := optionName(d, code); got != name {
			t.Errorf("customs %s = %q, want %q", code, got, name)
		}
	}
	without := 0
	for _, ap := range d.AgentPoints {
		if !ap.Presets {
			without++
			if _, ok := d.Presets[ap.Code]; ok {
				t.Errorf("%s has presets though its file row says no", ap.Code)
			}
			continue
		}
		ps := d.Presets[ap.Code]
		if len(ps) == 0 {
			t.Errorf("%s has no presets", ap.Code)
		}
		for _, code := range ps {
			if code[1:3] != ap.Province[:2] {
				t.Errorf("%s preset %s is outside province %s", ap.Code, code, ap.Province)
			}
		}
	}
	if without != 1 {
		t.Errorf("%d agent points without presets, want exactly 1", without)
	}
	if len(d.AgentPoints) < 10 {
		t.Errorf("%d agent points, want at least 10", len(d.AgentPoints))
	}
	if !slices.Contains(d.Presets["SZ01"], "M440300") || !slices.Contains(d.Presets["SZ01"], "T440100") {
		t.Errorf("SZ01 presets lack Guangdong's departments: %v", d.Presets["SZ01"])
	}
}

func optionName(d *Data, code string) string {
	for _, o := range d.CustomsDistricts {
		if o.Code == code {
			return o.Name
		}
	}
	return ""
}

func TestDepartmentNames(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]Department{}
	for _, dep := range d.Departments {
		if _, dup := byCode[dep.Code]; dup {
			t.Errorf("duplicate department %s", dep.Code)
		}
		byCode[dep.Code] = dep
	}
	for code, name := range map[string]string{
		"M440300": "深圳市市场监督管理局",
		"T440300": "国家税务总局深圳市税务局",
		"M440000": "广东省市场监督管理局",
		"T440000": "国家税务总局广东省税务局",
		"M110000": "北京市市场监督管理局",
		"M110101": "北京市东城区市场监督管理局",
		"T500101": "国家税务总局重庆市万州区税务局",
		"M222400": "延边朝鲜族自治州市场监督管理局",
		"T650000": "国家税务总局新疆维吾尔自治区税务局",
	} {
		if got := byCode[code].Name; got != name {
			t.Errorf("%s = %q, want %q", code, got, name)
		}
	}
	for _, code := range []string{"M440303", "M710000", "T810000", "M419001"} {
		if _, ok := byCode[code]; ok {
			t.Errorf("department %s should not exist", code)
		}
	}
	for _, dep := range d.Departments {
		want := map[string]byte{KindMarket: 'M', KindTax: 'T'}[dep.Kind]
		if dep.Code[0] != want || dep.Code[1:] != dep.Division || dep.Province != dep.Division[:2]+"0000" {
			t.Errorf("department %+v: code, division and province disagree", dep)
		}
		if dep.Kind == KindMarket && !strings.HasSuffix(dep.Name, "市场监督管理局") ||
			dep.Kind == KindTax && !(strings.HasPrefix(dep.Name, "国家税务总局") && strings.HasSuffix(dep.Name, "税务局")) {
			t.Errorf("department %s name %q", dep.Code, dep.Name)
		}
	}
}

func TestCityRule(t *testing.T) {
	for code, want := range map[string]bool{
		"440000": false, // a province
		"440300": true,  // 深圳市
		"440303": false, // 罗湖区: a county-level district of a prefecture
		"110101": true,  // 东城区 of the municipality Beijing
		"120101": true,
		"310101": true,
		"500229": true,  // 城口县 of Chongqing
		"419001": true,  // 济源市, administered by Henan directly
		"469001": true,  // 五指山市
		"659001": true,  // 石河子市
		"4403":   false, // malformed
	} {
		if got := CityRule(code); got != want {
			t.Errorf("CityRule(%s) = %v, want %v", code, got, want)
		}
	}
	for code, want := range map[string]bool{"440000": true, "110000": true, "710000": false, "810000": false, "820000": false, "440300": false} {
		if got := InProvinceList(code); got != want {
			t.Errorf("InProvinceList(%s) = %v, want %v", code, got, want)
		}
	}
}
