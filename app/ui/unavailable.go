package ui

import (
	"strconv"

	"eportid/app/apiclient"
)

// unavailableMessage is what an entry page says when what (暂存, 申报…)
// found the service briefly unavailable (model.ErrUnavailable, a 503): that
// it is brief, when to try again, and that the input is kept in the
// browser (the entry pages keep unsaved input in local storage).
func unavailableMessage(what string, err error) string {
	wait := "稍后"
	if e, ok := apiclient.AsError(err); ok && e.Problem.RetryAfter > 0 {
		wait = strconv.Itoa(e.Problem.RetryAfter) + " 秒后"
	}
	return what + "失败：服务暂时不可用，请" + wait + "重试。录入的内容已保存在本机，不会丢失。"
}
