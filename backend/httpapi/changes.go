package httpapi

import (
	"errors"
	"net/http"

	"eportid/app/model"
	"eportid/backend/store"
)

// The changes (变更, L4–L7) of the approved filings, by the legal-person
// card holder only. They share filings.go's handlers (records with change
// set): a change is a record of its own with its own state; the store puts
// its values in the filing when a reviewer approves it, the old ones
// going to the filing's past versions. Here is what differs: creating one.

// createChange: POST /api/changes/{kind} CreateChange[F]: a draft change of
// the enterprise's approved filing FilingID. The fields fixed in a change
// are the filing's whatever the page sends.
func (k records[F]) createChange(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	if err := k.mayWrite(c, "save"); err != nil {
		return err
	}
	var req model.CreateChange[F]
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.FilingID <= 0 {
		return &Error{Code: model.ErrInvalid, Message: "请选择要变更的备案",
			Fields: model.FieldErrors{"filing_id": "要变更的备案：必填"}}
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	f := req.Fields
	if err := k.prepare(ctx, a, ent, &f, model.Draft, nil, req.FilingID); err != nil {
		return err
	}
	rec, err := changesOf[F](a.Store).Create(ctx, ent.ID, req.FilingID, actor(ctx, c, nil), f)
	switch {
	case errors.Is(err, store.ErrOpenChange):
		return err // errors.go words it
	case errors.Is(err, store.ErrState):
		return &Error{Code: model.ErrState, Message: "只有审批通过的" + k.kind().FilingLabel() + "可以变更", Err: err}
	case err != nil:
		return err
	}
	w.Header().Set("Location", k.path(rec.ID))
	writeJSON(w, http.StatusCreated, rec)
	return nil
}
