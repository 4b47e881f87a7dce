package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/bridgeclient"
	"eportid/app/model"
	"eportid/cardbridge/protocol"
)

// 企业操作员 IC 卡管理 (L9), the legal-person card holder's page (IC 卡综合查询,
// L10, is card_inquiry.go; both use the query parts at the end of this
// file).
//
// Card management: query the enterprise's cards (卡号, 持卡人, 卡状态; 查询,
// 重置), open one from its 操作员统一编号 or card number, and act on it as
// its state allows, each action signed with the legal-person card:
// 冻结, 解冻, 挂失 (the operator cards), 解锁 (a blocked operator card: the
// card is put into the reader in place of the legal-person card, the
// bridge gives its challenge, the server the single-use cryptogram, the
// bridge unblocks it with the new PIN) and 证书延期 (the CA's new
// certificate, written to the card with its PIN). While another card is
// in the reader the page's watch on the session's card pauses
// (cardSwapping); 【完成】 checks that the legal-person card is back.

// CardManagePage is 企业操作员 IC 卡管理.
type CardManagePage struct {
	app.Compo
	mounted
	pageStatus
	confirming

	loading bool
	busy    bool
	loadErr string
	cards   []model.ManagedCard
	qNumber string
	qHolder string
	qState  string
	sel     *model.ManagedCard

	pinOpen bool
	pinMsg  string
	pinOK   string
	pinThen func(ctx app.Context, pin []byte)

	// The card swap of 解锁 and 证书延期.
	swap     string // "", "unlock", "write"
	swapDone bool   // the card operation is done: put the legal-person card back
	swapSig  *model.CardSignature
	swapCert []byte
	swapMsg  string
	swapErr  bool
}

func (p *CardManagePage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if app.IsServer {
		return
	}
	p.query(ctx)
}

func (p *CardManagePage) OnDismount() { cardSwapping.Store(false) }

func (p *CardManagePage) query(ctx app.Context) {
	p.loading, p.loadErr = true, ""
	q := apiclient.CardQuery{CardNumber: p.qNumber, Holder: p.qHolder, State: p.qState}
	ac := p.on(ctx)
	ac.Async(func() {
		cards, err := client().Cards(bg(), q)
		ac.Dispatch(func(ctx app.Context) {
			p.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				p.loadErr = "IC 卡加载失败：" + msg
				return
			}
			p.cards = cards
			if p.sel != nil {
				p.sel = p.find(p.sel.CardNumber)
			}
		})
	})
}

func (p *CardManagePage) find(number string) *model.ManagedCard {
	for i := range p.cards {
		if p.cards[i].CardNumber == number {
			c := p.cards[i]
			return &c
		}
	}
	return nil
}

func (p *CardManagePage) onQuery(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.qNumber = inputValue("cm-q-number")
	p.qHolder = inputValue("cm-q-holder")
	p.qState = inputValue("cm-q-state")
	p.setStatus("", false)
	p.query(ctx)
}

func (p *CardManagePage) onReset(ctx app.Context, e app.Event) {
	p.qNumber, p.qHolder, p.qState = "", "", ""
	resetInputs("cm-q-number", "cm-q-holder", "cm-q-state")
	p.query(ctx)
}

func (p *CardManagePage) onOpen(ctx app.Context, e app.Event) {
	p.sel = p.find(ctx.JSSrc().Get("dataset").Get("card").String())
	p.setStatus("", false)
}

// anyValue is the value of a query's 全部 option (an option needs a
// non-empty value to be told from its text).
const anyValue = "*"

// inputValue is the value of the input or select id; 全部 is "".
func inputValue(id string) string {
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return ""
	}
	if v := el.Get("value").String(); v != anyValue {
		return v
	}
	return ""
}

func (p *CardManagePage) Render() app.UI {
	return app.Div().Class("card-manage").Body(
		app.Form().ID("cm-query").Class("query-form").OnSubmit(p.onQuery).Body(
			app.Div().Class("form-grid").Body(append(cardTextConds("cm", p.qNumber, p.qHolder),
				app.Label().For("cm-q-state").Text("卡状态"),
				cardStateSelect("cm-q-state", p.qState),
			)...),
			cardQueryButtons("cm", p.onReset),
		),
		cardListStatus("cm", p.loading, p.loadErr, len(p.cards)),
		app.If(len(p.cards) > 0, func() app.UI {
			return app.Div().Class("table-wrap").Body(app.Table().ID("cm-list").Class("grid").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Text("操作员统一编号"), app.Th().Text("IC 卡号"), app.Th().Text("卡类型"), app.Th().Text("持卡人"),
					app.Th().Text("卡状态"), app.Th().Text("有效期至"),
				)),
				app.TBody().Body(app.Range(p.cards).Slice(func(i int) app.UI {
					c := p.cards[i]
					opID := "—"
					if c.OperatorID > 0 {
						opID = strconv.FormatInt(c.OperatorID, 10)
					}
					return app.Tr().DataSet("card", c.CardNumber).Body(
						app.Td().Body(app.If(c.OperatorID > 0, func() app.UI {
							return app.Button().Type("button").Class("link cm-open-op").DataSet("card", c.CardNumber).Text(opID).OnClick(p.onOpen)
						}).Else(func() app.UI { return app.Text(opID) })),
						app.Td().Body(app.Button().Type("button").Class("link cm-open").DataSet("card", c.CardNumber).
							Text(c.CardNumber).OnClick(p.onOpen)),
						app.Td().Text(c.KindLabel), app.Td().Text(c.HolderName),
						app.Td().Class("cm-state").Text(c.StateLabel),
						app.Td().Class("cm-not-after").Text(c.NotAfter.Local().Format("2006-01-02")),
					)
				})),
			))
		}),
		app.If(p.sel != nil, func() app.UI { return p.renderDetail() }),
		p.renderStatus(nil),
		app.If(p.swap != "", func() app.UI { return p.renderSwap() }),
		p.renderConfirm(),
		&PINDialog{
			Open: p.pinOpen, Title: "IC 卡签名", OK: p.pinOK, Message: p.pinMsg,
			OnOK: func(ctx app.Context, pin []byte) {
				p.pinOpen = false
				if then := p.pinThen; then != nil {
					then(ctx, pin)
				} else {
					wipePIN(pin)
				}
			},
			OnCancel: func(ctx app.Context) { p.pinOpen = false; p.setStatus("已取消", false) },
		},
	)
}

func (p *CardManagePage) renderDetail() app.UI {
	c := p.sel
	declarant := "未绑定"
	if c.Declarant != nil {
		declarant = c.Declarant.Name + "（" + c.Declarant.No + "）"
	}
	validity := c.NotBefore.Local().Format("2006-01-02") + " 至 " + c.NotAfter.Local().Format("2006-01-02")
	if c.NotBefore.IsZero() {
		validity = "至 " + c.NotAfter.Local().Format("2006-01-02")
	}
	opID := "—"
	if c.OperatorID > 0 {
		opID = strconv.FormatInt(c.OperatorID, 10)
	}
	busy := p.busy || p.swap != ""
	return app.Div().ID("cm-detail").Class("card-detail").Body(
		app.H2().Class("section-title").Text("IC 卡详情"),
		app.Table().Class("grid info-grid").Body(app.TBody().Body(
			infoRow("cm-d-holder", "持卡人", c.HolderName),
			infoRow("cm-d-kind", "卡类型", c.KindLabel),
			infoRow("cm-d-operator", "操作员统一编号", opID),
			infoRow("cm-d-number", "IC 卡号", c.CardNumber),
			infoRow("cm-d-serial", "证书序列号", c.Serial),
			infoRow("cm-d-validity", "证书有效期", validity),
			infoRow("cm-d-state", "卡状态", c.StateLabel),
			infoRow("cm-d-declarant", "绑定的报关人员", declarant),
		)),
		app.Div().Class("toolbar").Body(
			app.Button().ID("btn-cm-freeze").Type("button").Class("btn").Disabled(busy || !c.MayFreeze).Text("冻结").OnClick(p.onFreeze),
			app.Button().ID("btn-cm-unfreeze").Type("button").Class("btn").Disabled(busy || !c.MayUnfreeze).Text("解冻").OnClick(p.onUnfreeze),
			app.Button().ID("btn-cm-lose").Type("button").Class("btn btn-danger").Disabled(busy || !c.MayLose).Text("挂失").OnClick(p.onLose),
			app.Button().ID("btn-cm-unlock").Type("button").Class("btn").Disabled(busy || !c.MayUnlock).Text("解锁").OnClick(p.onUnlock),
			app.Button().ID("btn-cm-extend").Type("button").Class("btn").Disabled(busy || !c.MayExtend).Text("证书延期").OnClick(p.onExtend),
		),
		app.P().Class("hint").Text("冻结后该卡不能登录和签名，可解冻；挂失后该卡永久不能使用；证书有效期截止前 "+
			strconv.Itoa(model.ExtendWindowDays)+" 天内可办理证书延期。"),
	)
}

// sign asks for the legal-person card's PIN and signs canonical with it;
// then runs with the signature (in ctx.Async's goroutine is the caller's
// business: then runs on the UI goroutine).
func (p *CardManagePage) sign(ctx app.Context, msg, ok string, canonical []byte, then func(ctx app.Context, sig *model.CardSignature)) {
	p.pinMsg, p.pinOK, p.pinOpen = msg, ok, true
	p.pinThen = func(ctx app.Context, pin []byte) {
		busyDo(p.on(ctx), &p.busy, &p.pageStatus, "正在签名…", func() (*model.CardSignature, error) {
			d := model.SignedDigest(canonical)
			s, err := signWithCard(pin, d[:])
			if err != nil {
				return nil, err
			}
			return &model.CardSignature{Signature: s.Signature, Certificate: s.Certificate}, nil
		}, func(ctx app.Context, sig *model.CardSignature, err error) {
			if err != nil {
				p.setStatus("签名失败："+cardError(ctx, err), true)
				return
			}
			p.setStatus("", false)
			then(ctx, sig)
		})
	}
	ctx.Defer(func(app.Context) { focusID("pin-input") })
}

func (p *CardManagePage) stateAction(ctx app.Context, a model.CardStateAction, msg string, risky bool) {
	c := *p.sel
	p.ask(ctx, a.Label()+"确认", msg, a.Label(), risky, func(ctx app.Context) {
		p.sign(ctx, a.Label()+"操作将用企业法人卡签名。请输入 IC 卡密码：", "签名并"+a.Label(),
			model.CardStateCanonical(c.CardNumber, c.Version+1, a), func(ctx app.Context, sig *model.CardSignature) {
				busyDo(p.on(ctx), &p.busy, &p.pageStatus, "正在"+a.Label()+"…", func() (model.ManagedCard, error) {
					return client().SetCardState(bg(), c.CardNumber, model.CardStateRequest{Action: a, Version: c.Version, CardSignature: sig})
				}, func(ctx app.Context, r model.ManagedCard, err error) {
					if err != nil {
						p.setStatus(a.Label()+"失败："+cardError(ctx, err), true)
						return
					}
					p.updated(r)
					p.setStatus(a.Label()+"成功：IC 卡 "+r.CardNumber+" 当前状态为“"+r.StateLabel+"”", false)
				})
			})
	})
}

func (p *CardManagePage) updated(r model.ManagedCard) {
	for i := range p.cards {
		if p.cards[i].CardNumber == r.CardNumber {
			p.cards[i] = r
		}
	}
	p.sel = &r
}

func (p *CardManagePage) onFreeze(ctx app.Context, e app.Event) {
	p.stateAction(ctx, model.StateFreeze, "冻结后该卡不能登录和签名，其当前登录将立即退出。确定冻结 IC 卡 "+p.sel.CardNumber+" 吗？", false)
}

func (p *CardManagePage) onUnfreeze(ctx app.Context, e app.Event) {
	p.stateAction(ctx, model.StateUnfreeze, "解冻后该卡可以重新登录和签名。确定解冻 IC 卡 "+p.sel.CardNumber+" 吗？", false)
}

func (p *CardManagePage) onLose(ctx app.Context, e app.Event) {
	p.stateAction(ctx, model.StateLose, "挂失后该卡的证书被吊销，永久不能登录和签名，如需用卡须重新申请制卡。确定挂失 IC 卡 "+p.sel.CardNumber+" 吗？", true)
}

func (p *CardManagePage) onUnlock(ctx app.Context, e app.Event) {
	c := *p.sel
	p.sign(ctx, "解锁操作将用企业法人卡签名。请输入 IC 卡密码：", "签名并解锁", model.CardUnlockCanonical(c.CardNumber, c.Version+1),
		func(ctx app.Context, sig *model.CardSignature) { p.openSwap(ctx, "unlock", sig, nil) })
}

func (p *CardManagePage) onExtend(ctx app.Context, e app.Event) {
	c := *p.sel
	p.ask(ctx, "证书延期确认", "将为 IC 卡 "+c.CardNumber+" 签发新证书（有效期延长 2 年），并写入该卡。确定办理证书延期吗？", "证书延期", false, func(ctx app.Context) {
		p.sign(ctx, "证书延期将用企业法人卡签名。请输入 IC 卡密码：", "签名并延期", model.CardExtendCanonical(c.CardNumber, c.Version+1),
			func(ctx app.Context, sig *model.CardSignature) {
				busyDo(p.on(ctx), &p.busy, &p.pageStatus, "正在签发新证书…", func() (model.CardExtendAnswer, error) {
					return client().ExtendCard(bg(), c.CardNumber, model.CardExtendRequest{Version: c.Version, CardSignature: sig})
				}, func(ctx app.Context, r model.CardExtendAnswer, err error) {
					if err != nil {
						p.setStatus("证书延期失败："+cardError(ctx, err), true)
						return
					}
					p.updated(r.Card)
					p.openSwap(ctx, "write", nil, r.Certificate)
				})
			})
	})
}

// own reports whether the selected card is the session's own.
func (p *CardManagePage) own(ctx app.Context) bool {
	s := lastSession(ctx)
	return s != nil && p.sel != nil && s.CardNumber == p.sel.CardNumber
}

func (p *CardManagePage) openSwap(ctx app.Context, mode string, sig *model.CardSignature, cert []byte) {
	p.swap, p.swapDone, p.swapSig, p.swapCert, p.swapErr = mode, false, sig, cert, false
	own := p.own(ctx)
	if !own {
		cardSwapping.Store(true)
	}
	switch {
	case mode == "unlock":
		p.swapMsg = "请从读卡器拔出企业法人卡，插入待解锁的 IC 卡 " + p.sel.CardNumber + "，设置新 PIN 后点击【解锁】。"
	case own:
		p.swapMsg = "新证书已签发，有效期至 " + p.sel.NotAfter.Local().Format("2006-01-02") + "。请输入本卡 PIN，点击【写入证书】。"
	default:
		p.swapMsg = "新证书已签发，有效期至 " + p.sel.NotAfter.Local().Format("2006-01-02") + "。请从读卡器拔出企业法人卡，插入 IC 卡 " +
			p.sel.CardNumber + "，输入该卡 PIN 后点击【写入证书】。"
	}
	ctx.Defer(func(app.Context) { focusID(map[string]string{"unlock": "cm-new-pin", "write": "cm-card-pin"}[mode]) })
}

func (p *CardManagePage) renderSwap() app.UI {
	cls := "status"
	if p.swapMsg != "" {
		cls += map[bool]string{true: " err", false: " ok"}[p.swapErr]
	}
	return app.Div().Class("modal-backdrop").Body(app.Div().ID("cm-swap").Class("modal").Role("dialog").Aria("modal", "true").Body(
		app.H3().Class("modal-title").Text(map[string]string{"unlock": "IC 卡解锁", "write": "写入新证书"}[p.swap]),
		app.P().ID("cm-swap-msg").Class(cls).Text(p.swapMsg),
		app.If(!p.swapDone && p.swap == "unlock", func() app.UI {
			return app.Div().Class("form-grid").Body(
				app.Label().For("cm-new-pin").Text("新 PIN"),
				secret(app.Input().ID("cm-new-pin").Class("f-input k-req").Attr("autocomplete", "off").
					Attr("inputmode", "numeric").MaxLength(16)),
				app.Label().For("cm-new-pin2").Text("确认新 PIN"),
				secret(app.Input().ID("cm-new-pin2").Class("f-input k-req").Attr("autocomplete", "off").
					Attr("inputmode", "numeric").MaxLength(16)),
			)
		}),
		app.If(!p.swapDone && p.swap == "write", func() app.UI {
			return app.Div().Class("form-grid").Body(
				app.Label().For("cm-card-pin").Text("该卡 PIN"),
				secret(app.Input().ID("cm-card-pin").Class("f-input k-req").Attr("autocomplete", "off").
					Attr("inputmode", "numeric").MaxLength(16)),
			)
		}),
		app.Div().Class("modal-actions").Body(
			app.If(!p.swapDone, func() app.UI {
				return app.Button().ID("btn-cm-swap-go").Type("button").Class("btn btn-primary").Disabled(p.busy).
					Text(map[string]string{"unlock": "解锁", "write": "写入证书"}[p.swap]).OnClick(p.onSwapGo)
			}),
			app.Button().ID("btn-cm-swap-done").Type("button").Class("btn").Disabled(p.busy).Text("完成").OnClick(p.onSwapDone),
		),
	))
}

func (p *CardManagePage) swapStatus(msg string, isErr bool) { p.swapMsg, p.swapErr = msg, isErr }

func (p *CardManagePage) onSwapGo(ctx app.Context, e app.Event) {
	if p.busy || p.sel == nil {
		return
	}
	c := *p.sel
	if p.swap == "unlock" {
		pin, again := readPIN("cm-new-pin"), readPIN("cm-new-pin2")
		defer wipePIN(again)
		switch {
		case !bridgeclient.ValidPIN(pin):
			wipePIN(pin)
			p.swapStatus("新 PIN：应为 6 至 16 位数字", true)
			return
		case string(pin) != string(again):
			wipePIN(pin)
			p.swapStatus("确认新 PIN：与新 PIN 不一致", true)
			return
		}
		sig := p.swapSig
		var ignored pageStatus
		busyDo(p.on(ctx), &p.busy, &ignored, "", func() (string, error) {
			defer wipePIN(pin)
			bc, err := bridgeClient(bg())
			if err != nil {
				return "", err
			}
			cctx, cancel := cardCall()
			defer cancel()
			ch, err := bc.UnblockChallenge(cctx)
			if err != nil {
				return "", err
			}
			if ch.CardNumber != c.CardNumber {
				return "读卡器中的 IC 卡（" + ch.CardNumber + "）不是待解锁的卡 " + c.CardNumber + "，请换卡后重试", nil
			}
			ans, err := client().UnlockCard(bg(), c.CardNumber, model.CardUnlockRequest{Version: c.Version, Challenge: ch.Challenge,
				NewPIN: string(pin), CardSignature: sig})
			if err != nil {
				return "", err
			}
			if err := bc.Unblock(cctx, ans.Cryptogram, pin); err != nil {
				if bridgeclient.Code(err) == protocol.CodeBadRequest {
					return "IC 卡拒绝了解锁请求（卡号、挑战数或新 PIN 不符），请重新办理解锁", nil
				}
				return "", err
			}
			return "", nil
		}, func(ctx app.Context, refusal string, err error) {
			switch {
			case err != nil:
				p.swapStatus("解锁失败："+cardError(ctx, err), true)
			case refusal != "":
				p.swapStatus(refusal, true)
			default:
				p.swapDone = true
				p.swapStatus("解锁成功，IC 卡 "+c.CardNumber+" 的 PIN 已重置为新 PIN。请拔出该卡，插回企业法人卡后点击【完成】。", false)
			}
		})
		return
	}
	pin := readPIN("cm-card-pin")
	if !bridgeclient.ValidPIN(pin) {
		wipePIN(pin)
		p.swapStatus("该卡 PIN：应为 6 至 16 位数字", true)
		return
	}
	cert := p.swapCert
	own := p.own(ctx)
	var ignored pageStatus
	busyDo(p.on(ctx), &p.busy, &ignored, "", func() (struct{}, error) {
		defer wipePIN(pin)
		bc, err := bridgeClient(bg())
		if err != nil {
			return struct{}{}, err
		}
		cctx, cancel := cardCall()
		defer cancel()
		return struct{}{}, bc.WriteCertificate(cctx, pin, cert)
	}, func(ctx app.Context, _ struct{}, err error) {
		if err != nil {
			msg := cardError(ctx, err)
			if bridgeclient.Code(err) == protocol.CodeBadRequest {
				msg = "读卡器中的 IC 卡不是 " + c.CardNumber + "，或新证书与该卡不符"
			}
			p.swapStatus("写入证书失败："+msg, true)
			return
		}
		p.swapDone = true
		done := "新证书已写入 IC 卡 " + c.CardNumber + "，有效期至 " + c.NotAfter.Local().Format("2006-01-02") + "。"
		if !own {
			done += "请拔出该卡，插回企业法人卡后点击【完成】。"
		}
		p.swapStatus(done, false)
	})
}

// onSwapDone ends the swap once the legal-person card is back in the
// reader.
func (p *CardManagePage) onSwapDone(ctx app.Context, e app.Event) {
	if p.busy {
		return
	}
	s := lastSession(ctx)
	if s == nil {
		return
	}
	number, ok := s.CardNumber, p.swapDone
	var ignored pageStatus
	busyDo(p.on(ctx), &p.busy, &ignored, "", func() (string, error) {
		bc, err := bridgeClient(bg())
		if err != nil {
			return "", err
		}
		cctx, cancel := cardCall()
		defer cancel()
		r, err := bc.ReadCertificate(cctx)
		if err != nil {
			return "", err
		}
		return r.Card.CardNumber, nil
	}, func(ctx app.Context, inReader string, err error) {
		if err != nil || inReader != number {
			p.swapStatus("请将企业法人卡（"+number+"）插回读卡器后再点击【完成】", true)
			return
		}
		cardSwapping.Store(false)
		p.swap = ""
		if ok {
			p.setStatus(p.swapMsgDone(), false)
		} else {
			p.setStatus("已取消", false)
		}
		p.query(ctx)
	})
}

func (p *CardManagePage) swapMsgDone() string {
	if p.sel == nil {
		return ""
	}
	if p.swapCert != nil {
		return "证书延期成功：IC 卡 " + p.sel.CardNumber + " 的证书有效期至 " + p.sel.NotAfter.Local().Format("2006-01-02")
	}
	return "解锁成功：IC 卡 " + p.sel.CardNumber + " 已设置新 PIN"
}

// resetInputs empties the query inputs ids (a select back to 全部).
func resetInputs(ids ...string) {
	for _, id := range ids {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			if el.Get("tagName").String() == "SELECT" {
				el.Set("value", anyValue)
			} else {
				el.Set("value", "")
			}
		}
	}
}

// cardTextConds are the IC 卡号 and 持卡人 conditions of a card query, a
// label and an input each (ids <prefix>-q-number, <prefix>-q-holder), for a
// form grid.
func cardTextConds(prefix, number, holder string) []app.UI {
	return []app.UI{
		app.Label().For(prefix + "-q-number").Text("IC 卡号"),
		app.Input().ID(prefix + "-q-number").Class("f-input").Value(number).MaxLength(32),
		app.Label().For(prefix + "-q-holder").Text("持卡人"),
		app.Input().ID(prefix + "-q-holder").Class("f-input").Value(holder).MaxLength(64),
	}
}

// cardStateSelect is the 卡状态 condition of a card query: 全部 or a state.
func cardStateSelect(id, cur string) app.UI {
	return app.Select().ID(id).Class("f-input").Body(
		app.Option().Value(anyValue).Selected(cur == "").Text("全部"),
		app.Range(model.CardStateLabels).Slice(func(i int) app.UI {
			s := model.CardStateLabels[i]
			return app.Option().Value(s.State).Selected(cur == s.State).Text(s.Label)
		}),
	)
}

// cardQueryButtons are 【查询】【重置】 of a card query (ids btn-<prefix>-query, -reset).
func cardQueryButtons(prefix string, onReset app.EventHandler) app.UI {
	return app.Div().Class("toolbar").Body(
		app.Button().ID("btn-"+prefix+"-query").Type("submit").Class("btn btn-primary").Text("查询"),
		app.Button().ID("btn-"+prefix+"-reset").Type("button").Class("btn").Text("重置").OnClick(onReset),
	)
}

// cardListStatus says that a card list is loading, failed, or empty (id <prefix>-empty).
func cardListStatus(prefix string, loading bool, loadErr string, n int) app.UI {
	return app.Div().Body(
		app.If(loading, func() app.UI { return app.P().Class("hint").Text("正在加载…") }),
		app.If(loadErr != "", func() app.UI { return app.P().Class("result error").Text(loadErr) }),
		app.If(!loading && loadErr == "" && n == 0, func() app.UI {
			return app.P().ID(prefix + "-empty").Class("hint").Text("没有符合条件的 IC 卡")
		}),
	)
}
