// Package bridgeclient is the page's client of the local card bridge
// (cardbridge): one websocket, the requests and answers of
// cardbridge/protocol matched by id, and the events the bridge pushes
// (card_inserted, card_removed). In the browser it uses the WebSocket API
// through syscall/js; elsewhere Dial only reports that no bridge can be
// reached (the pages are rendered on the server too), and tests drive the
// client over a fake connection.
//
// PINs pass through as []byte: the client marshals them into the request
// and zeroes its own copies once sent (the browser's copy of the message
// string is beyond its reach).
package bridgeclient

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"

	"eportid/cardbridge/protocol"
)

// Errors of the connection itself (a refusal of the card is a
// *protocol.Error).
var (
	// ErrNotRunning: the bridge could not be reached (not started, or it
	// refused this page's origin).
	ErrNotRunning = errors.New("bridgeclient: the card bridge is not running")
	// ErrClosed: the connection to the bridge ended.
	ErrClosed = errors.New("bridgeclient: connection to the card bridge closed")
	// ErrPermissionDenied: the browser keeps this page from the bridge on
	// the loopback address (Chrome's Local Network Access: a page of a
	// public or local origin needs the user's permission to reach
	// 127.0.0.1, and the user or a policy refused it).
	ErrPermissionDenied = errors.New("bridgeclient: the browser does not allow this site to reach the card bridge on this computer")
)

// Permission is the state of the browser's permission for this page to
// reach the loopback address, where the bridge listens.
type Permission string

const (
	// PermissionUnknown: the browser has no such permission (it does not
	// gate loopback, or is too old to say), or could not be asked.
	PermissionUnknown Permission = ""
	// PermissionPrompt: the browser asks the user at the first connection
	// (or, for a page of a loopback origin, lets it through unasked).
	PermissionPrompt Permission = "prompt"
	// PermissionGranted: the page may connect.
	PermissionGranted Permission = "granted"
	// PermissionDenied: connections fail at once (ErrPermissionDenied).
	PermissionDenied Permission = "denied"
)

// permissionNames are the names the permission has had in Chrome, newest
// first: "loopback-network" since Local Network Access split loopback from
// the local network, "local-network-access" before.
var permissionNames = []string{"loopback-network", "local-network-access"}

// conn is a websocket as the client uses it.
type conn interface {
	// Send sends one text message.
	Send(msg []byte) error
	// Close closes the connection.
	Close()
}

// Client is one connection to the bridge. Its methods are safe for
// concurrent use; the bridge answers requests one at a time, in order.
type Client struct {
	conn conn

	mu      sync.Mutex
	next    int
	pending map[string]chan *protocol.Response
	closed  bool
	done    chan struct{}
	events  chan protocol.Event
}

// EventBuffer is how many events wait for a reader; more are dropped.
const EventBuffer = 16

func newClient(c conn) *Client {
	return &Client{
		conn:    c,
		pending: map[string]chan *protocol.Response{},
		done:    make(chan struct{}),
		events:  make(chan protocol.Event, EventBuffer),
	}
}

// Events delivers the bridge's events (card inserted, card removed).
func (c *Client) Events() <-chan protocol.Event { return c.events }

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Close ends the connection; pending calls fail with ErrClosed.
func (c *Client) Close() {
	c.conn.Close()
	c.closedBy()
}

// closedBy marks the connection ended (the transport calls it when the
// socket closes). Never blocks.
func (c *Client) closedBy() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	close(c.done)
	for id, ch := range c.pending {
		delete(c.pending, id)
		close(ch)
	}
}

// receive handles one message of the bridge (the transport calls it).
// Never blocks.
func (c *Client) receive(msg []byte) {
	m, err := protocol.DecodeServerMessage(msg)
	if err != nil {
		return
	}
	if m.Event != nil {
		select {
		case c.events <- *m.Event:
		default: // nobody reads: drop
		}
		return
	}
	c.mu.Lock()
	ch := c.pending[m.Response.ID]
	delete(c.pending, m.Response.ID)
	c.mu.Unlock()
	if ch != nil {
		ch <- m.Response // buffered
	}
}

// call sends command with params (nil for none) and decodes the result
// into out. The request bytes are zeroed once sent (they may hold a PIN).
func (c *Client) call(ctx context.Context, cmd protocol.Command, params any, out any) error {
	var raw json.RawMessage
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return err
		}
		raw = b
		defer wipe(b)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.next++
	id := strconv.Itoa(c.next)
	ch := make(chan *protocol.Response, 1)
	c.pending[id] = ch
	c.mu.Unlock()

	msg, err := json.Marshal(protocol.WireRequest{ID: id, Command: cmd, Params: raw})
	if err != nil {
		c.forget(id)
		return err
	}
	err = c.conn.Send(msg)
	wipe(msg)
	if err != nil {
		c.forget(id)
		return ErrClosed
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return ErrClosed
		}
		if r.Error != nil {
			return r.Error
		}
		if out == nil {
			return nil
		}
		return json.Unmarshal(r.Result, out)
	case <-ctx.Done():
		c.forget(id)
		return ctx.Err()
	}
}

func (c *Client) forget(id string) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// Status lists the readers and whether a card is in one.
func (c *Client) Status(ctx context.Context) (protocol.StatusResult, error) {
	var r protocol.StatusResult
	err := c.call(ctx, protocol.CmdStatus, nil, &r)
	return r, err
}

// ReadCertificate reads the card's certificate and its own data (no PIN).
func (c *Client) ReadCertificate(ctx context.Context) (protocol.ReadCertificateResult, error) {
	var r protocol.ReadCertificateResult
	err := c.call(ctx, protocol.CmdReadCertificate, nil, &r)
	return r, err
}

// VerifyPIN checks the PIN (a wrong one spends a try: *protocol.Error
// wrong_pin with TriesLeft, or card_blocked).
func (c *Client) VerifyPIN(ctx context.Context, pin []byte) error {
	p := protocol.VerifyPINParams{PIN: protocol.PIN(pin)}
	return c.call(ctx, protocol.CmdVerifyPIN, p, nil)
}

// SignLogin has the card sign the server's nonce (raw bytes) for the
// page's origin, with the PIN.
func (c *Client) SignLogin(ctx context.Context, pin, nonce []byte) (protocol.SignLoginResult, error) {
	var r protocol.SignLoginResult
	err := c.call(ctx, protocol.CmdSignLogin, protocol.SignLoginParams{PIN: protocol.PIN(pin), Nonce: nonce}, &r)
	return r, err
}

// Sign has the card sign data, with the PIN: data is the
// protocol.SignDataSize-byte digest of a record (model.SignedDigest of its
// canonical form); the bridge refuses anything else.
func (c *Client) Sign(ctx context.Context, pin, data []byte) (protocol.SignResult, error) {
	var r protocol.SignResult
	err := c.call(ctx, protocol.CmdSign, protocol.SignParams{PIN: protocol.PIN(pin), Data: data}, &r)
	return r, err
}

// ChangePIN replaces the card's PIN; the old one counts as a PIN try (a
// wrong one is *protocol.Error wrong_pin with TriesLeft, or card_blocked).
func (c *Client) ChangePIN(ctx context.Context, oldPIN, newPIN []byte) error {
	p := protocol.ChangePINParams{OldPIN: protocol.PIN(oldPIN), NewPIN: protocol.PIN(newPIN)}
	return c.call(ctx, protocol.CmdChangePIN, p, nil)
}

// PersonaliseKeygen has the blank card in the reader generate its SM2 key
// pair and returns the public key, 04 || X || Y (65 bytes), for the CA to
// certify. Only the review console's origin may, with the server's
// issuance token (not_issuer, bad_token, not_blank otherwise).
func (c *Client) PersonaliseKeygen(ctx context.Context, token string) ([]byte, error) {
	var r protocol.PersonaliseKeygenResult
	if err := c.call(ctx, protocol.CmdPersonaliseKeygen, protocol.PersonaliseKeygenParams{Token: token}, &r); err != nil {
		return nil, err
	}
	return r.PublicKey, nil
}

// PersonaliseWrite writes the token's card info, the certificate (DER) of
// the key PersonaliseKeygen returned, the admin key and the initial PIN to
// the blank card and finalises it; it returns the card number written. The
// token is spent on the bridge. The caller keeps (and wipes) adminKey and
// pin.
func (c *Client) PersonaliseWrite(ctx context.Context, token string, certDER, adminKey, pin []byte) (string, error) {
	var r protocol.PersonaliseWriteResult
	p := protocol.PersonaliseWriteParams{Token: token, Certificate: certDER, AdminKey: adminKey, PIN: protocol.PIN(pin)}
	if err := c.call(ctx, protocol.CmdPersonaliseWrite, p, &r); err != nil {
		return "", err
	}
	return r.CardNumber, nil
}

// ValidPIN reports whether pin has the form of a card PIN (6 to 16
// digits), so a typing slip never spends a try.
func ValidPIN(pin []byte) bool { return protocol.PIN(pin).Valid() }

// Code is the bridge's error code of err ("" when it is none).
func Code(err error) protocol.ErrorCode {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Message is what the page shows for err, in Chinese.
func Message(err error) string {
	var pe *protocol.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrPermissionDenied):
		return "浏览器禁止了本网站访问本机上的应用和服务，无法连接读卡服务 cardbridge"
	case errors.Is(err, ErrNotRunning):
		return "无法连接读卡服务，请先启动读卡服务 cardbridge（如已启动，请确认它允许本网站的地址）"
	case errors.Is(err, ErrClosed):
		return "与读卡服务 cardbridge 的连接已断开，请确认读卡服务正在运行后重试"
	case errors.Is(err, context.DeadlineExceeded):
		return "读卡服务响应超时，请重试"
	case errors.Is(err, context.Canceled):
		return "操作已取消"
	case !errors.As(err, &pe):
		return "读卡失败：" + err.Error()
	}
	switch pe.Code {
	case protocol.CodeNoReader:
		return "未检测到读卡器，请连接读卡器（或插入 Ikey）后重试"
	case protocol.CodeNoCard:
		return "读卡器中没有 IC 卡，请插入 IC 卡后重试"
	case protocol.CodeWrongPIN:
		if pe.TriesLeft > 0 {
			return "IC 卡密码错误，还可以尝试 " + strconv.Itoa(pe.TriesLeft) + " 次"
		}
		return "IC 卡密码错误"
	case protocol.CodeCardBlocked:
		return "IC 卡密码已锁定，请联系本企业法人卡持有人或制卡代理点办理解锁"
	case protocol.CodeCancelled:
		return "IC 卡操作已取消"
	case protocol.CodeTimeout:
		return "IC 卡响应超时，请确认 IC 卡已插好后重试"
	case protocol.CodeBadRequest:
		return "读卡请求有误，IC 卡密码应为 6 至 16 位数字"
	case protocol.CodeBusy:
		return "读卡服务正忙，请稍后重试"
	case protocol.CodeOriginRefused:
		return "读卡服务拒绝了本网站的访问，请确认 cardbridge 允许本网站的地址"
	case protocol.CodeBlankCard:
		return "读卡器中的是尚未制卡的空白卡，请插入已制好的电子口岸 IC 卡"
	case protocol.CodeNotBlank:
		return "读卡器中的卡不是空白卡，请放入空白卡"
	case protocol.CodeNotIssuer:
		return "只有制卡代理点的审批控制台可以制卡"
	case protocol.CodeBadToken:
		return "制卡授权无效或已过期，请重新开始制卡"
	}
	return "IC 卡读取失败，请确认插入的是电子口岸 IC 卡后重试"
}

// UnblockChallenge is 解锁's first step: the card's challenge and number;
// the bridge holds the card for Unblock.
func (c *Client) UnblockChallenge(ctx context.Context) (protocol.UnblockChallengeResult, error) {
	var r protocol.UnblockChallengeResult
	err := c.call(ctx, protocol.CmdUnblock, nil, &r)
	return r, err
}

// Unblock is 解锁's second step: the server's cryptogram over the
// challenge, and the new PIN (the caller keeps and wipes it).
func (c *Client) Unblock(ctx context.Context, cryptogram, newPIN []byte) error {
	return c.call(ctx, protocol.CmdUnblock, protocol.UnblockParams{Cryptogram: cryptogram, NewPIN: protocol.PIN(newPIN)}, nil)
}

// WriteCertificate replaces the card's certificate with certDER (证书延期),
// after the card's PIN.
func (c *Client) WriteCertificate(ctx context.Context, pin, certDER []byte) error {
	return c.call(ctx, protocol.CmdWriteCertificate, protocol.WriteCertificateParams{PIN: protocol.PIN(pin), Certificate: certDER}, nil)
}
