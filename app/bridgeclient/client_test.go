package bridgeclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"eportid/cardbridge/protocol"
)

// fakeBridge answers each request with what answer returns, as the bridge
// would, through the client's receive.
type fakeBridge struct {
	mu     sync.Mutex
	c      *Client
	sent   [][]byte
	answer func(req protocol.WireRequest) *protocol.Response
	closed bool
}

func (f *fakeBridge) Send(msg []byte) error {
	var req protocol.WireRequest
	if err := json.Unmarshal(msg, &req); err != nil {
		return err
	}
	f.mu.Lock()
	f.sent = append(f.sent, msg) // the client wipes it after Send
	f.mu.Unlock()
	if r := f.answer(req); r != nil {
		b, _ := json.Marshal(r)
		go f.c.receive(b)
	}
	return nil
}

func (f *fakeBridge) Close() { f.closed = true }

func newFake(answer func(protocol.WireRequest) *protocol.Response) (*Client, *fakeBridge) {
	f := &fakeBridge{answer: answer}
	f.c = newClient(f)
	return f.c, f
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestCalls(t *testing.T) {
	var params []string
	c, f := newFake(func(req protocol.WireRequest) *protocol.Response {
		params = append(params, string(req.Params))
		switch req.Command {
		case protocol.CmdStatus:
			r, _ := protocol.NewResult(req.ID, protocol.StatusResult{Readers: []protocol.ReaderStatus{{Name: "R", CardPresent: true}}, CardPresent: true})
			return r
		case protocol.CmdVerifyPIN:
			return &protocol.Response{ID: req.ID, Error: &protocol.Error{Code: protocol.CodeWrongPIN, TriesLeft: 3}}
		case protocol.CmdSignLogin:
			r, _ := protocol.NewResult(req.ID, protocol.SignLoginResult{Signature: []byte{1}, Certificate: []byte{2}, Origin: "http://x"})
			return r
		}
		return protocol.NewError(req.ID, protocol.CodeInternal, "?")
	})
	st, err := c.Status(ctx(t))
	if err != nil || !st.CardPresent || len(st.Readers) != 1 {
		t.Fatalf("status %+v %v", st, err)
	}
	err = c.VerifyPIN(ctx(t), []byte("123456"))
	if Code(err) != protocol.CodeWrongPIN || Message(err) != "IC 卡密码错误，还可以尝试 3 次" {
		t.Fatalf("verify: %v %q", err, Message(err))
	}
	r, err := c.SignLogin(ctx(t), []byte("123456"), make([]byte, 32))
	if err != nil || r.Origin != "http://x" || r.Signature[0] != 1 {
		t.Fatalf("sign_login %+v %v", r, err)
	}
	if !strings.Contains(params[1], `"pin":"123456"`) {
		t.Errorf("verify params %s", params[1])
	}
	// The client zeroed what it sent (it held the PIN).
	for _, m := range f.sent {
		if strings.Contains(string(m), "123456") {
			t.Errorf("request left un-wiped: %q", m)
		}
	}
}

func TestEventsAndClose(t *testing.T) {
	c, _ := newFake(func(protocol.WireRequest) *protocol.Response { return nil }) // never answers
	b, _ := json.Marshal(protocol.Event{Event: protocol.EventCardRemoved, Reader: "R"})
	c.receive(b)
	select {
	case e := <-c.Events():
		if e.Event != protocol.EventCardRemoved {
			t.Fatalf("event %+v", e)
		}
	case <-time.After(time.Second):
		t.Fatal("no event")
	}
	errc := make(chan error, 1)
	go func() { _, err := c.Status(ctx(t)); errc <- err }()
	time.Sleep(50 * time.Millisecond)
	c.closedBy()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending call after close: %v", err)
	}
	if _, err := c.Status(ctx(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after close: %v", err)
	}
	<-c.Done()
	// A context that ends first.
	c2, _ := newFake(func(protocol.WireRequest) *protocol.Response { return nil })
	cc, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c2.Status(cc); !errors.Is(err, context.DeadlineExceeded) || Message(err) != "读卡服务响应超时，请重试" {
		t.Fatalf("timeout: %v", err)
	}
}

func TestMessages(t *testing.T) {
	for err, want := range map[error]string{
		ErrNotRunning:       "请先启动读卡服务 cardbridge",
		ErrPermissionDenied: "浏览器禁止了本网站访问本机上的应用和服务",
		&protocol.Error{Code: protocol.CodeNoReader}:    "未检测到读卡器",
		&protocol.Error{Code: protocol.CodeNoCard}:      "没有 IC 卡",
		&protocol.Error{Code: protocol.CodeCardBlocked}: "已锁定",
		&protocol.Error{Code: protocol.CodeCancelled}:   "已取消",
		&protocol.Error{Code: protocol.CodeBusy}:        "正忙",
		&protocol.Error{Code: protocol.CodeTimeout}:     "超时",
		&protocol.Error{Code: protocol.CodeInternal}:    "读取失败",
	} {
		if m := Message(err); !strings.Contains(m, want) {
			t.Errorf("%v: %q, want %q", err, m, want)
		}
	}
	if _, err := Dial(context.Background(), "ws://127.0.0.1:1"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Dial outside the browser: %v", err)
	}
	if p := QueryPermission(context.Background()); p != PermissionUnknown {
		t.Errorf("QueryPermission outside the browser: %q", p)
	}
	if ValidPIN([]byte("12345")) || !ValidPIN([]byte("123456")) {
		t.Error("ValidPIN")
	}
}

// TestChangePINAndPersonalise: the requests are what the bridge's strict
// decoder takes, the results come back, and the new error codes read in
// Chinese.
func TestChangePINAndPersonalise(t *testing.T) {
	pub := append([]byte{4}, make([]byte, 64)...)
	var decoded []*protocol.Request
	c, f := newFake(func(req protocol.WireRequest) *protocol.Response {
		b, _ := json.Marshal(req)
		d, err := protocol.DecodeRequest(strings.NewReader(string(b)))
		if err != nil {
			return protocol.NewError(req.ID, protocol.CodeBadRequest, err.Error())
		}
		decoded = append(decoded, d)
		switch req.Command {
		case protocol.CmdChangePIN:
			return &protocol.Response{ID: req.ID, Error: &protocol.Error{Code: protocol.CodeWrongPIN, TriesLeft: 2}}
		case protocol.CmdPersonaliseKeygen:
			r, _ := protocol.NewResult(req.ID, protocol.PersonaliseKeygenResult{PublicKey: pub})
			return r
		case protocol.CmdPersonaliseWrite:
			if d.PersonaliseWrite.Token == "used" {
				return protocol.NewError(req.ID, protocol.CodeBadToken, "")
			}
			r, _ := protocol.NewResult(req.ID, protocol.PersonaliseWriteResult{CardNumber: "8000000000000101"})
			return r
		}
		return protocol.NewError(req.ID, protocol.CodeInternal, "?")
	})
	err := c.ChangePIN(ctx(t), []byte("123456"), []byte("654321"))
	if Code(err) != protocol.CodeWrongPIN || Message(err) != "IC 卡密码错误，还可以尝试 2 次" {
		t.Fatalf("change_pin: %v", err)
	}
	if p := decoded[0].ChangePIN; string(p.OldPIN) != "123456" || string(p.NewPIN) != "654321" {
		t.Fatalf("change_pin params %+v", p)
	}
	got, err := c.PersonaliseKeygen(ctx(t), "tok")
	if err != nil || len(got) != 65 || decoded[1].PersonaliseKeygen.Token != "tok" {
		t.Fatalf("keygen %x %v", got, err)
	}
	adminKey := bytes.Repeat([]byte{7}, 16)
	n, err := c.PersonaliseWrite(ctx(t), "tok", []byte{0x30, 0}, adminKey, []byte("246810"))
	if err != nil || n != "8000000000000101" {
		t.Fatalf("write %q %v", n, err)
	}
	if p := decoded[2].PersonaliseWrite; !bytes.Equal(p.AdminKey, adminKey) || string(p.PIN) != "246810" || !bytes.Equal(p.Certificate, []byte{0x30, 0}) {
		t.Fatalf("write params %+v", p)
	}
	_, err = c.PersonaliseWrite(ctx(t), "used", []byte{0x30, 0}, adminKey, []byte("246810"))
	if Message(err) != "制卡授权无效或已过期，请重新开始制卡" {
		t.Fatalf("bad_token: %q", Message(err))
	}
	for _, m := range f.sent {
		if strings.Contains(string(m), "246810") || strings.Contains(string(m), "654321") {
			t.Errorf("request left un-wiped: %q", m)
		}
	}
	for code, want := range map[protocol.ErrorCode]string{
		protocol.CodeNotBlank:  "读卡器中的卡不是空白卡，请放入空白卡",
		protocol.CodeNotIssuer: "只有制卡代理点的审批控制台可以制卡",
		protocol.CodeBlankCard: "空白卡",
	} {
		if m := Message(&protocol.Error{Code: code}); !strings.Contains(m, want) {
			t.Errorf("%s: %q", code, m)
		}
	}
}
