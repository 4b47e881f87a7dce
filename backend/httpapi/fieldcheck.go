package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"eportid/app/model"
	"eportid/backend/store"
)

// What a filing's body must be, and the field rules that need the
// enterprise or the reference data, for every kind alike.

// decodeSave reads the body of a create, save or declare of kind sp: a
// JSON object whose keys are "version", "filing_id", "card_signature" and
// the kind's field keys (string values). Anything else is refused with a
// message naming the key: an unknown or repeated key, a value of the wrong
// type, a body that is not one object, a string that breaks
// model.CheckText (checkBody).
func decodeSave(w http.ResponseWriter, r *http.Request, sp *model.KindSpec) (model.SaveRequest, error) {
	var req model.SaveRequest
	body, err := readBody(w, r)
	if err != nil {
		return req, err
	}
	form := sp.Form
	errs := model.FieldErrors{}
	req.Fields = model.Fields{}
	// One pass: checkBody's, which hands over each member checked.
	member := func(key string, tok json.Token, raw []byte) {
		switch key {
		case "version":
			n, ok := tok.(json.Number)
			v, err := strconv.ParseInt(string(n), 10, 0)
			if !ok || err != nil || v < 0 {
				errs.Add(key, "version：应为不小于0的整数")
			}
			req.Version = int(v)
			return
		case "filing_id":
			n, ok := tok.(json.Number)
			v, err := strconv.ParseInt(string(n), 10, 64)
			if !ok || err != nil || v < 0 {
				errs.Add(key, "filing_id：应为正整数")
			}
			req.FilingID = v
			return
		case "card_signature":
			if tok == nil {
				return
			}
			var sig model.CardSignature
			if json.Unmarshal(raw, &sig) != nil {
				errs.Add(key, "card_signature：格式不正确")
			}
			req.CardSignature = &sig
			return
		}
		f, ok := form.Field(key)
		if !ok {
			errs.Add(key, key+"：不是"+sp.Kind.FilingLabel()+"的字段")
			return
		}
		switch v := tok.(type) {
		case nil:
		case string:
			req.Fields[key] = v
		default:
			errs.Add(key, f.Label+"：应为文本")
		}
	}
	if err := checkBodyMembers(body, reflect.TypeFor[map[string]json.RawMessage](), member); err != nil {
		return req, labelled(err, sp.Form)
	}
	if len(errs) > 0 {
		return req, &Error{Code: model.ErrInvalid, Message: "请求内容有误：" + firstMessage(errs), Fields: errs}
	}
	return req, nil
}

// labelled is err with the label of a form field it names in place of
// the field's key, as the form's own rules say it.
func labelled(err error, form model.Form) error {
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) != 1 {
		return err
	}
	for key, msg := range e.Fields {
		f, ok := form.Field(key)
		if !ok {
			return err
		}
		rule := strings.TrimPrefix(msg, key+"：")
		return bodyInvalidAs(key, f.Label+"："+rule)
	}
	return err
}

// firstMessage is one of errs' messages, the same each time.
func firstMessage(errs model.FieldErrors) string {
	best := ""
	for k := range errs {
		if best == "" || k < best {
			best = k
		}
	}
	return errs[best]
}

// checkFields runs the field rules of what was sent in mode (X2): the
// kind's own (model.KindSpec.Validate, as the page runs them), that the
// card-fixed fields are the enterprise's, and that every choice is one the
// reference data offers (an agent point's departments for its agent point,
// a city of its province, a customs district). Field errors are a 422.
func (a *API) checkFields(ctx context.Context, k kindRecords, role model.Role, ent store.Enterprise, vals model.Fields, mode model.Mode) error {
	form := k.sp.FormFor(k.change, role)
	errs := k.sp.Validate(vals, k.change, role, mode)
	if errs == nil {
		errs = model.FieldErrors{}
	}
	if !k.change && !role.Card() {
		for _, key := range k.sp.CardFixed {
			if v := vals[key]; v != "" && errs[key] == "" && v != ent.CreditCode {
				errs.Add(key, form.Label(key)+"：须与注册时填写的统一社会信用代码一致")
			}
		}
	}
	if err := a.checkChoices(ctx, form, vals, errs); err != nil {
		return err
	}
	for _, f := range form {
		if f.Input != "file" || vals[f.Key] == "" || errs[f.Key] != "" {
			continue
		}
		id, _ := strconv.ParseInt(vals[f.Key], 10, 64)
		if _, err := a.Store.AttachmentOf(ctx, ent.ID, id); errors.Is(err, store.ErrNotFound) {
			errs.Add(f.Key, f.Label+"：附件不存在，请重新上传")
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	return nil
}

// checkChoices adds to errs the choices of form's editable selects that
// the reference data does not offer.
func (a *API) checkChoices(ctx context.Context, form model.Form, vals map[string]string, errs model.FieldErrors) error {
	for _, f := range form {
		v := vals[f.Key]
		if f.Kind == model.System || f.Input != "select" || v == "" || errs[f.Key] != "" {
			continue
		}
		if dep := f.DependsOn(); dep != "" && errs[dep] != "" {
			continue // the field it depends on says what is wrong
		}
		ok, known, err := a.offered(ctx, f, vals)
		if err != nil {
			return err
		}
		if known && !ok {
			errs.Add(f.Key, f.Label+"："+f.NotOffered())
		}
	}
	return nil
}

// offered reports whether v is among the choices of f the server serves
// (known false for a list it does not serve: a static one, checked by the
// field's own rule).
func (a *API) offered(ctx context.Context, f model.Field, vals map[string]string) (ok, known bool, err error) {
	v := vals[f.Key]
	switch f.Options {
	case model.OptionsAgentPoints:
		ok, err = a.agentPointExists(ctx, v)
		return ok, true, err
	case model.OptionsProvinces:
		l, err := a.provinces(ctx)
		return hasOption(l, v), true, err
	case model.OptionsCities:
		province := vals[f.DependsOn()]
		if province == "" && len(v) == 6 {
			// A draft with a city but no province: the city must still be one.
			province = v[:2] + "0000"
		}
		if province == "" {
			return true, true, nil
		}
		l, err := a.cities(ctx, province)
		return hasOption(l, v), true, err
	case model.OptionsMarketDepts, model.OptionsTaxDepts:
		ap := vals[f.DependsOn()]
		if ap == "" {
			return true, true, nil
		}
		if exists, err := a.agentPointExists(ctx, ap); err != nil || !exists {
			return true, true, err // the agent point's own message says it
		}
		kind := store.DeptMarket
		if f.Options == model.OptionsTaxDepts {
			kind = store.DeptTax
		}
		ok, err = a.departmentAllowed(ctx, kind, ap, v)
		return ok, true, err
	case model.OptionsCustoms:
		l, err := a.customsDistrictList(ctx)
		return hasOption(l, v), true, err
	}
	return false, false, nil
}
