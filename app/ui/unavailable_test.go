//go:build !(js && wasm)

package ui

import (
	"strings"
	"testing"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// A 503 of an unavailable database tells the user it is brief, when to
// retry, and that the input is kept; not "服务器内部错误".
func TestUnavailableMessage(t *testing.T) {
	err := &apiclient.Error{Status: 503, Problem: model.Problem{Code: model.ErrUnavailable, Message: "服务暂时不可用，请稍后再试", RetryAfter: 5}}
	msg := unavailableMessage("暂存", err)
	for _, want := range []string{"暂存失败", "暂时不可用", "5 秒后", "已保存在本机"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if msg := unavailableMessage("申报", &apiclient.Error{Status: 503, Problem: model.Problem{Code: model.ErrUnavailable}}); !strings.Contains(msg, "稍后重试") {
		t.Errorf("without Retry-After: %q", msg)
	}
}
