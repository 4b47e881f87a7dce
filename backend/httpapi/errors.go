package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"eportid/app/model"
	"eportid/backend/store"
)

// Error is an answer a handler chose: a model.Problem code with its
// message, and the cause to log (never shown).
type Error struct {
	Code       string
	Message    string
	Fields     model.FieldErrors
	RetryAfter int
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// statusOf is the HTTP status of each model.Problem code: the one place
// where codes meet statuses.
var statusOf = map[string]int{
	model.ErrInvalid:      http.StatusUnprocessableEntity,
	model.ErrUnauthorized: http.StatusUnauthorized,
	model.ErrBadLogin:     http.StatusUnauthorized,
	model.ErrCardEnded:    http.StatusUnauthorized,
	model.ErrForbidden:    http.StatusForbidden,
	model.ErrNotFound:     http.StatusNotFound,
	model.ErrConflict:     http.StatusConflict,
	model.ErrState:        http.StatusConflict,
	model.ErrThrottled:    http.StatusTooManyRequests,
	model.ErrInternal:     http.StatusInternalServerError,
	model.ErrTooLarge:     http.StatusRequestEntityTooLarge,
	model.ErrUnavailable:  http.StatusServiceUnavailable,

	model.ErrLegalPersonFirst:    http.StatusConflict,
	model.ErrForexBlocked:        http.StatusConflict,
	model.ErrOpenChange:          http.StatusConflict,
	model.ErrRegistryUnavailable: http.StatusServiceUnavailable,
	model.ErrNoRegistryRecord:    http.StatusConflict,
	model.ErrDeclarantMismatch:   http.StatusConflict,
}

// Messages of the answers that more than one handler gives.
const (
	msgNotFound     = "记录不存在或已被删除"
	msgConflict     = "该记录已被他人修改，请刷新后再试"
	msgState        = "该记录已申报，不能修改"
	msgInternal     = "服务器内部错误，请稍后再试"
	msgUnauthorized = "尚未登录或登录已超时，请重新登录"
	msgForbidden    = "当前用户无权进行此操作"
	msgCSRF         = "安全校验失败，请刷新页面后重试"
	msgInvalid      = "填写的内容有误，请按提示修改"
	msgOpenChange   = "该备案已有尚未审批通过的变更，请先申报、等待审批或删除该变更"
	msgUnavailable  = "服务暂时不可用，请稍后再试"
)

// problem maps an error to its status and body: an *Error as it says,
// a store error by its kind, anything else 500.
func problem(err error) (int, model.Problem) {
	var e *Error
	if !errors.As(err, &e) {
		e = storeError(err)
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return status, model.Problem{Code: e.Code, Message: e.Message, Fields: e.Fields, RetryAfter: e.RetryAfter}
}

// storeError is the default answer to an error of the store.
func storeError(err error) *Error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: model.ErrNotFound, Message: msgNotFound, Err: err}
	case errors.Is(err, store.ErrLegalPersonNotDeclared):
		return &Error{Code: model.ErrLegalPersonFirst, Message: model.MsgLegalPersonFirst, Err: err}
	case errors.Is(err, store.ErrBlocked):
		var b *store.BlockedError
		msg := msgInvalid
		if errors.As(err, &b) {
			msg = b.Message
		}
		return &Error{Code: model.ErrForexBlocked, Message: msg, Err: err}
	case errors.Is(err, store.ErrNoRegistryRecord):
		var n *store.NoRegistryRecordError
		msg := msgInvalid
		if errors.As(err, &n) {
			msg = n.Message
		}
		return &Error{Code: model.ErrNoRegistryRecord, Message: msg, Err: err}
	case errors.Is(err, store.ErrOpenChange):
		return &Error{Code: model.ErrOpenChange, Message: msgOpenChange, Err: err}
	case errors.Is(err, store.ErrReasonRequired):
		return &Error{Code: model.ErrInvalid, Message: msgInvalid, Err: err,
			Fields: model.FieldErrors{"reason": "退单原因：必填，不能为空"}}
	case errors.Is(err, store.ErrNotAuthorised):
		var na *store.NotAuthorisedError
		msg := msgForbidden
		if errors.As(err, &na) {
			msg = model.MsgNotAuthorised(na.Kind)
			if na.Change {
				msg = msgOperatorNoChange
			}
		}
		return &Error{Code: model.ErrForbidden, Message: msg, Err: err}
	case errors.Is(err, store.ErrForbidden):
		return &Error{Code: model.ErrForbidden, Message: msgForbidden, Err: err}
	case errors.Is(err, store.ErrConflict):
		return &Error{Code: model.ErrConflict, Message: msgConflict, Err: err}
	case errors.Is(err, store.ErrState):
		return &Error{Code: model.ErrState, Message: msgState, Err: err}
	case errors.Is(err, store.ErrDuplicate):
		return &Error{Code: model.ErrConflict, Message: "记录已存在", Err: err}
	case errors.Is(err, store.ErrCreditCodeTaken), errors.Is(err, store.ErrUsernameTaken):
		return &Error{Code: model.ErrConflict, Message: "记录已存在", Err: err}
	case store.Unavailable(err):
		return &Error{Code: model.ErrUnavailable, Message: msgUnavailable, RetryAfter: unavailableRetry, Err: err}
	}
	return &Error{Code: model.ErrInternal, Message: msgInternal, Err: err}
}

// unavailableRetry is the Retry-After, in seconds, of an answer that the
// database is unavailable.
const unavailableRetry = 5

// writeError answers with the Problem of err and logs server errors.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, p := problem(err)
	switch {
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		a.Log.DebugContext(r.Context(), "request canceled", "method", r.Method, "path", r.URL.Path)
	case status >= 500:
		a.Log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	switch p.Code {
	case model.ErrBadLogin:
		a.Metrics.LoginFailed(r.Pattern)
	case model.ErrThrottled:
		a.Metrics.BackedOff(r.Pattern)
	}
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	writeJSON(w, status, p)
}

// invalid is the 422 answer of field errors.
func invalid(fields model.FieldErrors) *Error {
	return &Error{Code: model.ErrInvalid, Message: msgInvalid, Fields: fields}
}
