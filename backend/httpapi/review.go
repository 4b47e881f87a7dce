package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"eportid/app/model"
	"eportid/backend/store"
)

// The review console (SPEC "Who uses it", reviewer): the declarations sent
// to the reviewer's agent point, each with its history, and the decision
// on them: 审批通过, or 退单 with the reason the enterprise then sees. A
// record declared to another agent point is "not found".

// reviewerOf is the session's reviewer (role reviewer, checked by the
// route).
func (a *API) reviewerOf(ctx context.Context, c *current) (store.Reviewer, error) {
	rv, err := a.Store.ReviewerByUserID(ctx, c.user.ID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Reviewer{}, &Error{Code: model.ErrForbidden, Message: msgForbidden, Err: err}
	}
	return rv, err
}

// reviewRef is the record of the path's {ref} (RecordRef.Name()) and {id};
// anything else is not found.
func reviewRef(r *http.Request) (model.RecordRef, error) {
	id, err := recordID(r)
	if err != nil {
		return model.RecordRef{}, err
	}
	name := r.PathValue("ref")
	kind, change := strings.CutSuffix(name, "_change")
	ref := model.RecordRef{Kind: model.FilingKind(kind), Change: change, ID: id}
	if !ref.Kind.Valid() {
		return model.RecordRef{}, &Error{Code: model.ErrNotFound, Message: msgNotFound}
	}
	return ref, nil
}

// reviewQueue: GET /api/review/queue.
func (a *API) reviewQueue(w http.ResponseWriter, r *http.Request, c *current) error {
	ctx := r.Context()
	rv, err := a.reviewerOf(ctx, c)
	if err != nil {
		return err
	}
	list, err := a.Store.ReviewQueue(ctx, rv.AgentPoint)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// reviewRecord: GET /api/review/{ref}/{id}: the record and its history.
func (a *API) reviewRecord(w http.ResponseWriter, r *http.Request, c *current) error {
	ref, err := reviewRef(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rv, err := a.reviewerOf(ctx, c)
	if err != nil {
		return err
	}
	rec, err := a.Store.ReviewRecord(ctx, rv.AgentPoint, ref)
	if err != nil {
		return err
	}
	if ref.Kind == model.FilingOperator && rec.State == model.StateApproved {
		if card, err := a.Store.CardOfApplication(ctx, rec.EnterpriseID, ref.ID); err == nil {
			rec.CardNumber = card.Number
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	hist, err := a.Store.History(ctx, rec.EnterpriseID, ref)
	if err != nil {
		return err
	}
	if hist == nil {
		hist = []model.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, model.ReviewDetail{ReviewRecord: rec, History: hist})
	return nil
}

// reviewApprove: POST /api/review/{ref}/{id}/approve {version} (审批通过).
func (a *API) reviewApprove(w http.ResponseWriter, r *http.Request, c *current) error {
	return a.decide(w, r, c, true)
}

// reviewReturn: POST /api/review/{ref}/{id}/return {version, reason} (退单).
func (a *API) reviewReturn(w http.ResponseWriter, r *http.Request, c *current) error {
	return a.decide(w, r, c, false)
}

func (a *API) decide(w http.ResponseWriter, r *http.Request, c *current, approve bool) error {
	ref, err := reviewRef(r)
	if err != nil {
		return err
	}
	var req model.ReviewDecision
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if !approve && strings.TrimSpace(req.Reason) == "" {
		return invalid(model.FieldErrors{"reason": "退单原因：必填，不能为空"})
	}
	if n := len([]rune(req.Reason)); n > 500 {
		return invalid(model.FieldErrors{"reason": "退单原因：最多500个字符"})
	}
	ctx := r.Context()
	rv, err := a.reviewerOf(ctx, c)
	if err != nil {
		return err
	}
	who := store.Actor{UserID: c.user.ID, Name: c.user.Username, Role: model.RoleReviewer}
	var meta model.RecordMeta
	if approve {
		meta, err = a.Store.Approve(ctx, rv.AgentPoint, ref, req.Version, who)
	} else {
		meta, err = a.Store.Return(ctx, rv.AgentPoint, ref, req.Version, who, req.Reason)
	}
	if errors.Is(err, store.ErrState) {
		st := model.StateApproved
		if rec, gerr := a.Store.ReviewRecord(ctx, rv.AgentPoint, ref); gerr == nil {
			st = rec.State
		}
		return &Error{Code: model.ErrState, Err: err,
			Message: "该记录当前状态为“" + st.Label() + "”，不能审批（只有已申报的记录可以审批通过或退单）"}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meta)
	return nil
}
