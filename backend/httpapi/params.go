package httpapi

import (
	"net/http"
	"net/url"

	"eportid/app/model"
)

// Query and path parameters reach the store only through param and
// pathParam: each is checked by model.CheckParam first (a well-formed
// query, each parameter at most once), and a refusal is a 422 naming the
// parameter and the rule.

// param is the query parameter name of r, "" when absent.
func param(r *http.Request, name string) (string, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", &Error{Code: model.ErrInvalid, Message: "查询参数格式不正确", Err: err}
	}
	vs := q[name]
	switch {
	case len(vs) == 0 || len(vs) == 1 && vs[0] == "":
		return "", nil
	case len(vs) > 1:
		return "", paramInvalid(name, "只能给出一次")
	}
	if err := model.CheckParam(vs[0]); err != nil {
		return "", paramInvalid(name, err.Error())
	}
	return vs[0], nil
}

// pathParam is the path value name of r, checked as param.
func pathParam(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	if err := model.CheckParam(v); err != nil {
		return "", paramInvalid(name, err.Error())
	}
	return v, nil
}

func paramInvalid(name, rule string) *Error {
	msg := "参数 " + name + "：" + rule
	return &Error{Code: model.ErrInvalid, Message: msg, Fields: model.FieldErrors{name: msg}}
}
