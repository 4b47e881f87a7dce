package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"eportid/app/model"
	"eportid/backend/store"
)

// The legal-person filing (N1) of the session's enterprise. Every handler
// scopes by that enterprise: another enterprise's id is "not found", never
// "forbidden".

// enterprise is the session user's enterprise.
func (a *API) enterprise(ctx context.Context, c *current) (store.Enterprise, error) {
	if c.user.EnterpriseID == 0 {
		return store.Enterprise{}, &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	return a.Store.EnterpriseByID(ctx, c.user.EnterpriseID)
}

// recordID is the {id} of the path; a malformed one is simply not found.
func recordID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &Error{Code: model.ErrNotFound, Message: msgNotFound}
	}
	return id, nil
}

// listLegalPersons: GET /api/legal-person.
func (a *API) listLegalPersons(w http.ResponseWriter, r *http.Request, c *current) error {
	if c.user.EnterpriseID == 0 {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	list, err := a.Store.ListLegalPersons(r.Context(), c.user.EnterpriseID)
	if err != nil {
		return err
	}
	if list == nil {
		list = []model.LegalPersonRecord{}
	}
	for i := range list {
		if err := a.withSignature(r.Context(), c.user.EnterpriseID, &list[i]); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// getLegalPerson: GET /api/legal-person/{id}.
func (a *API) getLegalPerson(w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	if c.user.EnterpriseID == 0 {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	rec, err := a.Store.GetLegalPerson(r.Context(), c.user.EnterpriseID, id)
	if err != nil {
		return err
	}
	if err := a.withSignature(r.Context(), c.user.EnterpriseID, &rec); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// createLegalPerson: POST /api/legal-person (新增, saved as a draft).
func (a *API) createLegalPerson(w http.ResponseWriter, r *http.Request, c *current) error {
	var p model.LegalPerson
	if err := decode(w, r, &p); err != nil {
		return err
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	if err := a.checkLegalPerson(ctx, ent, &p, model.Draft); err != nil {
		return err
	}
	rec, err := a.Store.CreateLegalPerson(cardActor(ctx, c, nil), ent.ID, c.user.Username, p)
	if errors.Is(err, store.ErrDuplicate) {
		return &Error{Code: model.ErrConflict, Message: "本企业已有法人信息记录，请在列表中打开它修改", Err: err}
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/legal-person/"+strconv.FormatInt(rec.ID, 10))
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

// saveLegalPerson: PUT /api/legal-person/{id} (暂存).
func (a *API) saveLegalPerson(w http.ResponseWriter, r *http.Request, c *current) error {
	return a.changeLegalPerson(w, r, c, model.Draft)
}

// declareLegalPerson: POST /api/legal-person/{id}/declare (申报).
func (a *API) declareLegalPerson(w http.ResponseWriter, r *http.Request, c *current) error {
	return a.changeLegalPerson(w, r, c, model.Declare)
}

func (a *API) changeLegalPerson(w http.ResponseWriter, r *http.Request, c *current, mode model.Mode) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	var req model.SaveLegalPerson
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	if err := a.checkLegalPerson(ctx, ent, &req.LegalPerson, mode); err != nil {
		return err
	}
	var rec model.LegalPersonRecord
	op := "save"
	var signed *signedRecord
	if mode == model.Declare {
		op = "declare"
		// A card holder's declaration carries the card's signature over
		// what will be stored: the normalized fields, as the version the
		// declaration makes (X3).
		signed, err = a.verifyDeclaration(c, ent, model.RecordRef{Kind: model.FilingLegalPerson, ID: id},
			req.Version+1, model.Values(&req.LegalPerson), req.CardSignature)
		if err != nil {
			return err
		}
		rec, err = a.Store.DeclareLegalPerson(cardActor(ctx, c, signed), ent.ID, id, req.Version, c.user.Username, req.LegalPerson)
	} else {
		rec, err = a.Store.SaveLegalPerson(cardActor(ctx, c, nil), ent.ID, id, req.Version, c.user.Username, req.LegalPerson)
	}
	if err != nil {
		return a.legalPersonError(ctx, ent.ID, id, op, err)
	}
	if signed != nil {
		sig, err := a.keepSignature(ctx, ent.ID, signed, rec.Version, model.Values(&rec.LegalPerson), rec.DeclaredAt)
		if err != nil {
			// Declared, and the audit row holds the signature; only the
			// record's own copy is missing.
			a.Log.ErrorContext(ctx, "keep record signature", "record", signed.ref.String(), "err", err)
		}
		rec.Signature = sig
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// deleteLegalPerson: DELETE /api/legal-person/{id} (删除, for good).
func (a *API) deleteLegalPerson(w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	if c.user.EnterpriseID == 0 {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	if err := a.Store.DeleteLegalPerson(cardActor(r.Context(), c, nil), c.user.EnterpriseID, id); err != nil {
		return a.legalPersonError(r.Context(), c.user.EnterpriseID, id, "delete", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// legalPersonError words ErrState by the record's state and the operation.
func (a *API) legalPersonError(ctx context.Context, enterpriseID, id int64, op string, err error) error {
	if !errors.Is(err, store.ErrState) {
		return err
	}
	st := model.StateDeclared
	if rec, gerr := a.Store.GetLegalPerson(ctx, enterpriseID, id); gerr == nil {
		st = rec.State
	}
	return stateError(st, op, "", err)
}

// checkLegalPerson normalizes p and checks it in mode: the rules of the
// model, then those that need the enterprise or the reference data. Field
// errors are returned as a 422 *Error.
func (a *API) checkLegalPerson(ctx context.Context, ent store.Enterprise, p *model.LegalPerson, mode model.Mode) error {
	p.Normalize()
	errs := p.Validate(mode)
	if errs == nil {
		errs = model.FieldErrors{}
	}
	if p.CreditCode != "" && errs["credit_code"] == "" && p.CreditCode != ent.CreditCode {
		errs.Add("credit_code", "统一社会信用代码：须与注册时填写的统一社会信用代码一致")
	}
	if err := a.checkDivisions(ctx, errs, model.LegalPersonForm, p.Province, p.City); err != nil {
		return err
	}
	agentOK := p.AgentPoint == ""
	if p.AgentPoint != "" && errs["agent_point"] == "" {
		ok, err := a.agentPointExists(ctx, p.AgentPoint)
		if err != nil {
			return err
		}
		if agentOK = ok; !ok {
			errs.Add("agent_point", label(model.LegalPersonForm, "agent_point")+"：请从列表中选择")
		}
	}
	if agentOK {
		for _, d := range []struct{ key, kind, value string }{
			{"market_dept", store.DeptMarket, p.MarketDept},
			{"tax_dept", store.DeptTax, p.TaxDept},
		} {
			if d.value == "" || errs[d.key] != "" {
				continue
			}
			ok, err := a.departmentAllowed(ctx, d.kind, p.AgentPoint, d.value)
			if err != nil {
				return err
			}
			if !ok {
				errs.Add(d.key, label(model.LegalPersonForm, d.key)+"：不在所选制卡代理点的可选列表中，请从列表中选择")
			}
		}
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	return nil
}

// checkDivisions checks a province and city against GB/T 2260 as loaded:
// the province is one, and the city is one of its cities.
func (a *API) checkDivisions(ctx context.Context, errs model.FieldErrors, form model.Form, province, city string) error {
	provinceOK := false
	if province != "" && errs["province"] == "" {
		provinces, err := a.provinces(ctx)
		if err != nil {
			return err
		}
		if provinceOK = hasOption(provinces, province); !provinceOK {
			errs.Add("province", label(form, "province")+"：请从列表中选择")
		}
	}
	if city == "" || errs["city"] != "" {
		return nil
	}
	if province == "" && len(city) == 6 {
		// A draft with a city but no province: the city must still be one.
		province, provinceOK = city[:2]+"0000", true
	}
	if !provinceOK {
		return nil
	}
	cities, err := a.cities(ctx, province)
	if err != nil {
		return err
	}
	if !hasOption(cities, city) {
		errs.Add("city", label(form, "city")+"：不属于所选省份，请从列表中选择")
	}
	return nil
}

// label is a field's label in a form.
func label(form model.Form, key string) string {
	if f, ok := form.Field(key); ok {
		return f.Label
	}
	return key
}
