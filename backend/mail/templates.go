package mail

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ActivationPath is the page of the confirmation link; the token follows
// in the query ("?token=…").
const ActivationPath = "/activate"

// ActivationLink is the confirmation link of a registration token.
func ActivationLink(baseURL, token string) string {
	return strings.TrimRight(baseURL, "/") + ActivationPath + "?token=" + url.QueryEscape(token)
}

// Confirmation is the mail that completes a no-card registration (R2).
func Confirmation(to, enterpriseName, link string, valid time.Duration) Message {
	return Message{
		To:      to,
		Subject: "【电子口岸身份认证】请确认您的无卡用户注册",
		Body: fmt.Sprintf(`您好：

有人使用本邮箱地址为企业“%s”注册了中国电子口岸身份认证系统的无卡用户管理员帐号。

如果是您本人操作，请在%d小时内打开以下链接完成注册：

%s

如果不是您本人操作，请忽略本邮件，帐号不会被创建。

此邮件由系统自动发送，请勿回复。
`, enterpriseName, int(valid/time.Hour), link),
	}
}

// RegistrationAttempt warns an enterprise's administrator that someone
// confirmed a registration of their credit code.
func RegistrationAttempt(to, enterpriseName, creditCode string, at time.Time) Message {
	return Message{
		To:      to,
		Subject: "【电子口岸身份认证】有人尝试以贵企业名义注册",
		Body: fmt.Sprintf(`您好：

%s，有人尝试以统一社会信用代码 %s（企业“%s”）注册无卡用户管理员帐号。该代码已有管理员帐号，此次注册未被受理。

如果这是贵企业同事所为，请告知其联系您；如果不是，请留意帐号安全，必要时联系制卡代理点。

此邮件由系统自动发送，请勿回复。
`, at.In(chinaTime).Format("2006年01月02日 15:04"), creditCode, enterpriseName),
	}
}

// chinaTime is UTC+8 (China has no daylight saving time), without tzdata.
var chinaTime = time.FixedZone("CST", 8*3600)
