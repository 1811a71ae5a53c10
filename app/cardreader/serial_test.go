//go:build linux

package cardreader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"enrolldesk/core"
)

// today is the tests' clock: the validity of a card is checked against it.
var today = time.Date(2026, 12, 2, 10, 0, 0, 0, time.Local)

const (
	idX      = "11010519491231002X" // a real-form number ending in X
	idPlain  = "370811198503150012"
	idBadSum = "370811198503150013" // check character wrong
)

// hangGuard bounds every Read: a Read still running then has hung. It is
// far above any answer the tests wait for, so a slow machine passes.
const hangGuard = 30 * time.Second

// newTestSerial is a reader on path with the test clock, short waits and
// a log that the test can search.
func newTestSerial(path string, log *logBuf) *Serial {
	s := NewSerial(path)
	s.Now = func() time.Time { return today }
	s.Poll = 10 * time.Millisecond
	s.Timeout = time.Second
	s.Logf = log.printf
	return s
}

type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, format+"\n", args...)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// card answers like a reader with the given card lying on it.
func card(block []byte) behaviour {
	return func(cmd [2]byte, n int) reply {
		switch cmd {
		case cmdFind:
			return reply{raw: foundFrame}
		case cmdSelect:
			return reply{raw: selectedFrame}
		}
		return reply{raw: readFrame(block)}
	}
}

// override answers cmd with r (for every n where on(n)), else like b.
func override(b behaviour, cmd [2]byte, on func(n int) bool, r reply) behaviour {
	return func(c [2]byte, n int) reply {
		if c == cmd && on(n) {
			return r
		}
		return b(c, n)
	}
}

func always(int) bool { return true }

func first(k int) func(int) bool { return func(n int) bool { return n <= k } }

func TestSerialRead(t *testing.T) {
	good := card(cardBlock(idX, "20360315"))
	full := readFrame(cardBlock(idX, "20360315"))
	for _, tc := range []struct {
		name string
		act  behaviour
		want string // code; "" reads wantID
		id   string
	}{
		{"a good card, number ending in X", good, "", idX},
		{"a card valid for life (长期)", card(cardBlock(idPlain, "长期")), "", idPlain},
		{"a card valid through today", card(cardBlock(idPlain, "20261202")), "", idPlain},
		{"a card placed after some polls", override(good, cmdFind, first(3), reply{raw: noCardFrame}), "", idX},
		{"noise on the line before the answer", override(good, cmdFind, always, reply{raw: append([]byte{0x13, 0xAA, 0x00, 0x96}, foundFrame...)}), "", idX},
		{"one bad checksum, then a good answer", override(good, cmdRead, first(1), reply{raw: corrupt(full)}), "", idX},

		{"an expired card", card(cardBlock(idX, "20261201")), ECardExpired, ""},
		{"a garbled answer to every find", override(good, cmdFind, always, reply{raw: []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x00, 0x00}}), ECardFault, ""},
		{"a bad checksum on every read", override(good, cmdRead, always, reply{raw: corrupt(full)}), ECardIncomplete, ""},
		{"card lifted: read answers no card", override(good, cmdRead, always, reply{raw: noCardFrame}), ECardIncomplete, ""},
		{"card lifted: select fails", override(good, cmdSelect, always, reply{raw: answerFrame(0x81)}), ECardIncomplete, ""},
		{"card lifted: read fails", override(good, cmdRead, always, reply{raw: answerFrame(0x41)}), ECardIncomplete, ""},
		{"card lifted: answer cut short", override(good, cmdRead, always, reply{raw: full[:600]}), ECardIncomplete, ""},
		{"reader unplugged mid-answer", override(good, cmdRead, always, reply{raw: full[:600], unplug: true}), ECardNoReader, ""},
		{"reader unplugged after select", override(good, cmdRead, always, reply{unplug: true}), ECardNoReader, ""},
		{"reader silent", func([2]byte, int) reply { return reply{} }, ECardFault, ""},
		{"not a resident ID card", override(good, cmdSelect, always, reply{raw: answerFrame(0x40)}), ECardUnknown, ""},
		{"a number failing its check", card(cardBlock(idBadSum, "20360315")), ECardUnknown, ""},
		{"validity end no date", card(cardBlock(idX, "2036")), ECardUnknown, ""},
		{"SAM not authorised", override(good, cmdFind, always, reply{raw: answerFrame(0x66)}), ECardFault, ""},
		{"text block of the wrong size", override(good, cmdRead, always, reply{raw: answerFrame(0x90, 0x00, 0xFF, 0x04, 0x00)}), ECardIncomplete, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := startFake(t, tc.act)
			var log logBuf
			s := newTestSerial(fake.path, &log)
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
			defer cancel()
			id, err := s.Read(ctx)
			if ctx.Err() != nil {
				t.Fatalf("Read hung: still running after %v", hangGuard)
			}
			if tc.want == "" {
				if err != nil || string(id) != tc.id {
					t.Fatalf("read %q, %v; want %s", string(id), err, tc.id)
				}
				if l := log.String(); strings.Contains(l, tc.id) || !strings.Contains(l, core.ResidentID(tc.id).Masked()) {
					t.Errorf("the log must show the number masked only:\n%s", l)
				}
				return
			}
			if code := core.ErrorCode(err); code != tc.want || id != "" {
				t.Fatalf("read %q, %v (%s); want code %s", string(id), err, code, tc.want)
			}
			if msg := core.ErrorMessage(err); msg != messages[tc.want] || !strings.Contains(msg, "数字键盘") {
				t.Errorf("message %q, want %q offering the keypad", msg, messages[tc.want])
			}
			if !core.IsInvalid(err) {
				t.Errorf("%v must refine EINVALID so the screen shows its message", err)
			}
			if l := log.String(); strings.Contains(l, idX) || strings.Contains(l, idBadSum) {
				t.Errorf("the log shows a full number:\n%s", l)
			}
		})
	}
}

func TestSerialReadEndsWithItsContext(t *testing.T) {
	fake := startFake(t, func([2]byte, int) reply { return reply{raw: noCardFrame} })
	s := newTestSerial(fake.path, &logBuf{})
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := s.Read(ctx)
		got <- err
	}()
	for range 3 { // the reader polls: no card, no card, no card
		<-fake.polled
	}
	cancel()
	select {
	case err := <-got:
		if core.ErrorCode(err) != ECardNone || core.ErrorMessage(err) != messages[ECardNone] {
			t.Fatalf("got %v, want %s", err, ECardNone)
		}
	case <-time.After(hangGuard):
		t.Fatal("Read did not end with its context")
	}
	// A cancelled context before the start ends at once too.
	if _, err := s.Read(ctx); core.ErrorCode(err) != ECardNone {
		t.Fatalf("got %v, want %s", err, ECardNone)
	}
}

func TestSerialNoDevice(t *testing.T) {
	s := newTestSerial(filepath.Join(t.TempDir(), "ttyUSB9"), &logBuf{})
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if _, err := s.Read(ctx); core.ErrorCode(err) != ECardNoReader || core.ErrorMessage(err) != messages[ECardNoReader] {
		t.Fatalf("got %v, want %s", err, ECardNoReader)
	}
}

// A reader pulled out and plugged in again (a new device behind the same
// stable link, as /dev/serial/by-id gives) reads on the next Read.
func TestSerialReopensAfterUnplug(t *testing.T) {
	block := cardBlock(idPlain, "长期")
	first := startFake(t, override(card(block), cmdSelect, always, reply{unplug: true}))
	link := filepath.Join(t.TempDir(), "reader")
	if err := os.Symlink(first.path, link); err != nil {
		t.Fatal(err)
	}
	s := newTestSerial(link, &logBuf{})
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if _, err := s.Read(ctx); core.ErrorCode(err) != ECardNoReader {
		t.Fatalf("unplugged: got %v, want %s", err, ECardNoReader)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx); core.ErrorCode(err) != ECardNoReader {
		t.Fatalf("still out: got %v, want %s", err, ECardNoReader)
	}
	second := startFake(t, card(block))
	if err := os.Symlink(second.path, link); err != nil {
		t.Fatal(err)
	}
	if id, err := s.Read(ctx); err != nil || string(id) != idPlain {
		t.Fatalf("plugged in again: read %q, %v", string(id), err)
	}
	if first.count(cmdRead) != 0 || second.count(cmdFind) == 0 {
		t.Errorf("commands: first reader %d reads, second %d finds", first.count(cmdRead), second.count(cmdFind))
	}
}

// Two reads one after the other on one open port: the second card is read
// too, and the port stays open between them.
func TestSerialReadsTwoCards(t *testing.T) {
	blocks := [][]byte{cardBlock(idPlain, "长期"), cardBlock(idX, "20300101")}
	fake := startFake(t, func(cmd [2]byte, n int) reply {
		if cmd == cmdRead {
			return reply{raw: readFrame(blocks[min(n, 2)-1])}
		}
		return card(nil)(cmd, n)
	})
	var opens int
	s := newTestSerial(fake.path, &logBuf{})
	s.Open = func(path string) (Port, error) {
		opens++
		return OpenPort(path)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	for _, want := range []string{idPlain, idX} {
		if id, err := s.Read(ctx); err != nil || string(id) != want {
			t.Fatalf("read %q, %v; want %s", string(id), err, want)
		}
	}
	if opens != 1 {
		t.Errorf("port opened %d times, want once", opens)
	}
}
