package testenv

import (
	"context"
	"sync"

	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/softcard"
)

// MemReaderName is the reader name a MemReader reports.
const MemReaderName = "Virtual PCD 00 00"

// MemReader is the card access of the bridge (bridge.Cards) over a soft
// card in process, without pcscd: one reader holding at most one card,
// which Swap replaces (with card_removed / card_inserted events), so a
// test can log in with one card and personalise a blank one. Sessions run
// one at a time, each starting and ending with a card reset, through
// pcsc.Client as over PC/SC.
type MemReader struct {
	mu     sync.Mutex // serialises sessions
	cmu    sync.Mutex // guards card
	card   *softcard.Card
	events chan pcsc.Event
}

// NewMemReader returns a reader holding card (nil: empty).
func NewMemReader(card *softcard.Card) *MemReader {
	return &MemReader{card: card, events: make(chan pcsc.Event, 16)}
}

// Card returns the card in the reader (nil when empty).
func (m *MemReader) Card() *softcard.Card {
	m.cmu.Lock()
	defer m.cmu.Unlock()
	return m.card
}

// Swap takes the card out and puts card in (nil: leave it empty).
func (m *MemReader) Swap(card *softcard.Card) {
	m.cmu.Lock()
	old := m.card
	m.card = card
	m.cmu.Unlock()
	if old != nil {
		m.push(pcsc.Event{Kind: pcsc.CardRemoved, Reader: MemReaderName})
	}
	if card != nil {
		m.push(pcsc.Event{Kind: pcsc.CardInserted, Reader: MemReaderName})
	}
}

func (m *MemReader) push(e pcsc.Event) {
	select {
	case m.events <- e:
	default: // nobody watching
	}
}

// Status reports the one reader.
func (m *MemReader) Status(ctx context.Context) ([]pcsc.ReaderStatus, error) {
	return []pcsc.ReaderStatus{{Name: MemReaderName, CardPresent: m.Card() != nil}}, nil
}

// Session runs fn on the card with the application selected.
func (m *MemReader) Session(ctx context.Context, fn func(*pcsc.Client) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	card := m.Card()
	if card == nil {
		return pcsc.ErrNoCard
	}
	card.Reset()
	defer card.Reset()
	cl := pcsc.NewClient(card)
	if err := cl.SelectApp(); err != nil {
		return err
	}
	return fn(cl)
}

// Watch delivers Swap's events until ctx ends.
func (m *MemReader) Watch(ctx context.Context, fn func(pcsc.Event)) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-m.events:
			fn(e)
		}
	}
}
