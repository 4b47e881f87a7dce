package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// 制卡 in the review console: an approved operator application's card is
// made at the agent point's PC, with a blank card in its reader. The
// console asks the server for an issuance token, has the card bridge
// generate the key pair on the card, has the CA certify that public key,
// has the bridge write certificate, admin key and initial PIN, and shows
// the PIN once, for the PIN envelope. The bridge takes the token only from
// this console's own origin.

// issuing is the console's state of one issuance.
type issuing struct {
	step    string // what is being done, shown
	pin     string // the initial PIN, shown once
	card    string // the card number made
	failure string
}

func (c *ReviewConsole) mayIssue() bool {
	d := c.detail
	return d != nil && d.Kind == model.FilingOperator && !d.Change && d.State == model.StateApproved && d.CardNumber == "" && !c.busy
}

func (c *ReviewConsole) renderIssue() app.UI {
	d := c.detail
	if d == nil || d.Kind != model.FilingOperator || d.Change || d.State != model.StateApproved {
		return app.Div().Class("issue-box")
	}
	return app.Section().ID("issue-box").Class("form-box issue-box").Aria("label", "制卡").Body(
		app.H2().Class("section-title").Text("制卡"),
		app.If(d.CardNumber != "", func() app.UI {
			return app.P().ID("issued-card").Class("note note-ok").Text("已制卡：操作员卡 " + d.CardNumber)
		}).Else(func() app.UI {
			return app.Div().Body(
				app.P().Class("note note-info").Text("请在本机读卡器中放入一张空白卡，然后点击【制卡】：密钥在卡内生成，证书由 CA 签发后写入卡中。"),
				app.Button().ID("btn-issue").Type("button").Class("btn btn-primary").Disabled(!c.mayIssue()).
					OnClick(c.onIssue).Text("制卡"),
			)
		}),
		app.If(c.issue.step != "", func() app.UI {
			return app.P().ID("issue-step").Class("status").Role("status").Text(c.issue.step)
		}),
		app.If(c.issue.failure != "", func() app.UI {
			return app.P().ID("issue-error").Class("return-reason").Role("alert").Text(c.issue.failure)
		}),
		app.If(c.issue.pin != "", func() app.UI {
			return app.Div().ID("issued-pin-box").Class("pin-envelope").Role("alert").Body(
				app.P().Text("操作员卡 "+c.issue.card+" 已制好。初始 PIN（只显示这一次，请抄入密码信封后点击【已记录】）："),
				app.P().ID("issued-pin").Class("pin-digits mono").Text(c.issue.pin),
				app.Button().ID("btn-pin-noted").Type("button").Class("btn").OnClick(c.onPINNoted).Text("已记录"),
			)
		}),
	)
}

func (c *ReviewConsole) onPINNoted(ctx app.Context, e app.Event) { c.issue.pin = "" }

func (c *ReviewConsole) onIssue(ctx app.Context, e app.Event) {
	if !c.mayIssue() {
		return
	}
	d := c.detail
	ref := d.Ref()
	c.busy = true
	c.issue = issuing{step: "正在申请制卡授权…"}
	ac := c.on(ctx)
	step := func(s string) { ac.Dispatch(func(ctx app.Context) { c.issue.step = s }) }
	ac.Async(func() {
		var (
			out  issuing
			fail error
		)
		func() {
			start, err := client().BeginIssuance(bg(), ref.ID)
			if err != nil {
				fail = err
				return
			}
			bc, err := bridgeClient(bg())
			if err != nil {
				fail = err
				return
			}
			step("正在卡内生成密钥…")
			cctx, cancel := cardCall()
			pub, err := bc.PersonaliseKeygen(cctx, start.Token)
			cancel()
			if err != nil {
				fail = err
				return
			}
			step("正在签发证书…")
			card, err := client().IssueCard(bg(), ref.ID, start.Token, pub)
			if err != nil {
				fail = err
				return
			}
			step("正在写卡…")
			cctx, cancel = cardCall()
			number, err := bc.PersonaliseWrite(cctx, start.Token, card.Certificate, card.AdminKey, []byte(card.PIN))
			cancel()
			wipePIN(card.AdminKey)
			if err != nil {
				fail = err
				return
			}
			out = issuing{pin: card.PIN, card: number}
		}()
		ac.Dispatch(func(ctx app.Context) {
			c.busy = false
			if fail != nil {
				c.issue = issuing{failure: "制卡失败：" + cardError(ctx, fail)}
				return
			}
			c.issue = out
			c.openRec(ctx, ref, false)
		})
	})
}
