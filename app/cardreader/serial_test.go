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

	"enrolldesk/app/cardreader/samfake"
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

// startFake runs a fake reader on a new pty until the test ends.
func startFake(t *testing.T, act samfake.Behaviour) *samfake.Reader {
	t.Helper()
	r, err := samfake.Start(act)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
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

func TestSerialRead(t *testing.T) {
	good := samfake.Card(samfake.TextBlock(idX, "20360315"))
	full := samfake.ReadAnswer(samfake.TextBlock(idX, "20360315"))
	for _, tc := range []struct {
		name string
		act  samfake.Behaviour
		want string // code; "" reads wantID
		id   string
	}{
		{"a good card, number ending in X", good, "", idX},
		{"a card valid for life (长期)", samfake.Card(samfake.TextBlock(idPlain, "长期")), "", idPlain},
		{"a card valid through today", samfake.Card(samfake.TextBlock(idPlain, "20261202")), "", idPlain},
		{"a card placed after some polls", samfake.Override(good, cmdFind, samfake.First(3), samfake.Reply{Raw: samfake.NoCard()}), "", idX},
		{"noise on the line before the answer", samfake.Override(good, cmdFind, samfake.Always, samfake.Reply{Raw: append([]byte{0x13, 0xAA, 0x00, 0x96}, samfake.Found()...)}), "", idX},
		{"one bad checksum, then a good answer", samfake.Override(good, cmdRead, samfake.First(1), samfake.Reply{Raw: samfake.Corrupt(full)}), "", idX},

		{"an expired card", samfake.Card(samfake.TextBlock(idX, "20261201")), ECardExpired, ""},
		{"a garbled answer to every find", samfake.Override(good, cmdFind, samfake.Always, samfake.Reply{Raw: []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x00, 0x00}}), ECardFault, ""},
		{"a bad checksum on every read", samfake.Override(good, cmdRead, samfake.Always, samfake.Reply{Raw: samfake.Corrupt(full)}), ECardIncomplete, ""},
		{"card lifted: read answers no card", samfake.Override(good, cmdRead, samfake.Always, samfake.Reply{Raw: samfake.NoCard()}), ECardIncomplete, ""},
		{"card lifted: select fails", samfake.Override(good, cmdSelect, samfake.Always, samfake.Reply{Raw: samfake.Answer(0x81)}), ECardIncomplete, ""},
		{"card lifted: read fails", samfake.Override(good, cmdRead, samfake.Always, samfake.Reply{Raw: samfake.Answer(0x41)}), ECardIncomplete, ""},
		{"card lifted: answer cut short", samfake.Override(good, cmdRead, samfake.Always, samfake.Reply{Raw: full[:600]}), ECardIncomplete, ""},
		{"reader unplugged mid-answer", samfake.Override(good, cmdRead, samfake.Always, samfake.Reply{Raw: full[:600], Unplug: true}), ECardNoReader, ""},
		{"reader unplugged after select", samfake.Override(good, cmdRead, samfake.Always, samfake.Reply{Unplug: true}), ECardNoReader, ""},
		{"reader silent", func([2]byte, int) samfake.Reply { return samfake.Reply{} }, ECardFault, ""},
		{"only noise on the line", func([2]byte, int) samfake.Reply {
			return samfake.Reply{Raw: []byte{0x13, 0x37, 0xAA, 0x00, 0x96, 0x69}}
		}, ECardFault, ""},
		{"reader unplugged while waiting for a card", samfake.Override(samfake.Empty(), cmdFind, func(n int) bool { return n >= 3 }, samfake.Reply{Unplug: true}), ECardNoReader, ""},
		{"not a resident ID card", samfake.Override(good, cmdSelect, samfake.Always, samfake.Reply{Raw: samfake.Answer(0x40)}), ECardUnknown, ""},
		{"a number failing its check", samfake.Card(samfake.TextBlock(idBadSum, "20360315")), ECardUnknown, ""},
		{"validity end no date", samfake.Card(samfake.TextBlock(idX, "2036")), ECardUnknown, ""},
		{"SAM not authorised", samfake.Override(good, cmdFind, samfake.Always, samfake.Reply{Raw: samfake.Answer(0x66)}), ECardFault, ""},
		{"text block of the wrong size", samfake.Override(good, cmdRead, samfake.Always, samfake.Reply{Raw: samfake.Answer(0x90, 0x00, 0xFF, 0x04, 0x00)}), ECardIncomplete, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := startFake(t, tc.act)
			var log logBuf
			s := newTestSerial(fake.Path, &log)
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
	fake := startFake(t, samfake.Empty())
	s := newTestSerial(fake.Path, &logBuf{})
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := s.Read(ctx)
		got <- err
	}()
	for range 3 { // the reader polls: no card, no card, no card
		<-fake.Polled
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
	block := samfake.TextBlock(idPlain, "长期")
	first := startFake(t, samfake.Override(samfake.Card(block), cmdSelect, samfake.Always, samfake.Reply{Unplug: true}))
	link := filepath.Join(t.TempDir(), "reader")
	if err := os.Symlink(first.Path, link); err != nil {
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
	second := startFake(t, samfake.Card(block))
	if err := os.Symlink(second.Path, link); err != nil {
		t.Fatal(err)
	}
	if id, err := s.Read(ctx); err != nil || string(id) != idPlain {
		t.Fatalf("plugged in again: read %q, %v", string(id), err)
	}
	if first.Count(cmdRead) != 0 || second.Count(cmdFind) == 0 {
		t.Errorf("commands: first reader %d reads, second %d finds", first.Count(cmdRead), second.Count(cmdFind))
	}
}

// Two reads one after the other on one open port: the second card is read
// too, and the port stays open between them.
func TestSerialReadsTwoCards(t *testing.T) {
	blocks := [][]byte{samfake.TextBlock(idPlain, "长期"), samfake.TextBlock(idX, "20300101")}
	fake := startFake(t, func(cmd [2]byte, n int) samfake.Reply {
		if cmd == cmdRead {
			return samfake.Reply{Raw: samfake.ReadAnswer(blocks[min(n, 2)-1])}
		}
		return samfake.Card(nil)(cmd, n)
	})
	var opens int
	s := newTestSerial(fake.Path, &logBuf{})
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
