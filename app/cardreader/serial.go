package cardreader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"enrolldesk/core"
)

// Codes of the ways reading a card can fail. Each refines core.EINVALID, so
// the screens show the message, which always offers the keypad.
const (
	ECardNone       = "invalid_card_none"       // no card was placed before the wait ended
	ECardNoReader   = "invalid_card_no_reader"  // the reader is unplugged or its port cannot be opened
	ECardFault      = "invalid_card_fault"      // the reader answers nothing, or nothing sensible
	ECardIncomplete = "invalid_card_incomplete" // the card was found but not read to the end (moved, lifted)
	ECardUnknown    = "invalid_card_unknown"    // a card whose number the kiosk cannot use
	ECardExpired    = "invalid_card_expired"    // the card's validity has ended
)

// Codes lists every code Read may return, for the translation test.
var Codes = []string{ECardNone, ECardNoReader, ECardFault, ECardIncomplete, ECardUnknown, ECardExpired}

var messages = map[string]string{
	ECardNone:       "没有读到身份证，请把身份证平放在读卡区，或用数字键盘输入号码。",
	ECardNoReader:   "读卡器没有连接好，请用数字键盘输入号码，并告诉工作人员检查读卡器。",
	ECardFault:      "读卡器没有正常回应，请用数字键盘输入号码，并告诉工作人员检查读卡器。",
	ECardIncomplete: "没读完整，请把身份证放平不要移动，再放一次；也可以用数字键盘输入号码。",
	ECardUnknown:    "这张卡读不出身份证号码，请用数字键盘输入号码，或到人工窗口办理。",
	ECardExpired:    "身份证已过有效期，请用数字键盘输入号码或到人工窗口办理。",
}

// cardError is the domain error of a code.
func cardError(code string) *core.Error { return core.Errorf(code, "%s", messages[code]) }

// Port is a serial line to a reader: a go.bug.st/serial port, or a test's.
type Port interface {
	io.ReadWriteCloser
	// SetReadTimeout bounds each Read; a Read that times out returns 0, nil.
	SetReadTimeout(time.Duration) error
	// ResetInputBuffer drops what was received and not yet read.
	ResetInputBuffer() error
}

// Defaults of a Serial reader.
const (
	DefaultPoll    = 300 * time.Millisecond // between two looks for a card
	DefaultTimeout = 3 * time.Second        // for a whole answer; a read takes about 1 s
	writeTimeout   = time.Second            // a 10-byte command leaves at once on a live line
	readSlice      = 100 * time.Millisecond // how often a wait checks its context
	corruptTries   = 3                      // sends of one command while its answers are corrupt
)

// Serial is a second-generation ID-card reader speaking the SAM protocol
// on a serial port (USB readers show as /dev/ttyUSB0 or COM3). Read polls
// for a card and reads its number; it never holds the port longer than
// its context, and a broken port is opened anew by the next Read.
type Serial struct {
	Path    string                           // device: /dev/ttyUSB0, COM3
	Open    func(path string) (Port, error)  // nil: OpenPort
	Now     func() time.Time                 // the clock the validity is checked by; nil: time.Now
	Poll    time.Duration                    // 0: DefaultPoll
	Timeout time.Duration                    // 0: DefaultTimeout
	Logf    func(format string, args ...any) // reader events, numbers masked; nil: silent

	once sync.Once
	turn chan struct{} // one Read at a time
	port Port          // nil until opened, and after a failure
}

// NewSerial returns a reader on the serial port at path.
func NewSerial(path string) *Serial { return &Serial{Path: path} }

// Read waits for a card on the reader and returns its number, checked by
// core and for expiry. Every failure is a *core.Error with one of the
// ECard codes and a message that says what to do next.
func (s *Serial) Read(ctx context.Context) (core.ResidentID, error) {
	if err := s.take(ctx); err != nil {
		return "", err
	}
	defer s.give()
	for {
		if ctx.Err() != nil {
			return "", cardError(ECardNone)
		}
		if err := s.open(); err != nil {
			s.logf("cardreader: cannot open %s: %v", s.Path, err)
			return "", cardError(ECardNoReader)
		}
		id, err := s.attempt(ctx)
		if errors.Is(err, errNoCard) {
			if !s.sleep(ctx, s.poll()) {
				return "", cardError(ECardNone)
			}
			continue
		}
		if err != nil {
			// Start from a fresh port: the line may hold the rest of a
			// broken answer, or the device may be gone.
			s.drop()
			if ctx.Err() != nil {
				return "", cardError(ECardNone)
			}
			code := core.ErrorCode(err)
			s.logf("cardreader: %s: %v", code, err)
			return "", cardError(code)
		}
		s.logf("cardreader: read card %s", id.Masked())
		return id, nil
	}
}

// Close closes the port; a later Read opens it again. It waits for a Read
// in progress to end, but not for longer than a read takes.
func (s *Serial) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*s.timeout())
	defer cancel()
	if s.take(ctx) != nil {
		return fmt.Errorf("cardreader: a read still holds %s", s.Path)
	}
	defer s.give()
	s.drop()
	return nil
}

func (s *Serial) take(ctx context.Context) error {
	s.once.Do(func() { s.turn = make(chan struct{}, 1) })
	select {
	case s.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return cardError(ECardNone)
	}
}

func (s *Serial) give() { <-s.turn }

func (s *Serial) open() error {
	if s.port != nil {
		return nil
	}
	open := s.Open
	if open == nil {
		open = OpenPort
	}
	p, err := open(s.Path)
	if err != nil {
		return err
	}
	s.port = p
	s.logf("cardreader: opened %s", s.Path)
	return nil
}

func (s *Serial) drop() {
	if s.port != nil {
		_ = s.port.Close()
		s.port = nil
	}
}

// errNoCard: the reader answered that no card lies on it (not a failure).
var errNoCard = errors.New("cardreader: no card")

// failure is a *core.Error for the screen with the cause for the log.
type failure struct {
	code  string
	cause error
}

func (f *failure) Error() string { return fmt.Sprintf("%s (%v)", messages[f.code], f.cause) }

// Unwrap gives the domain error, so core.ErrorCode and ErrorMessage see it.
func (f *failure) Unwrap() error { return cardError(f.code) }

func fail(code string, format string, args ...any) error {
	return &failure{code: code, cause: fmt.Errorf(format, args...)}
}

// attempt is one pass of the state machine: find, select, read.
func (s *Serial) attempt(ctx context.Context) (core.ResidentID, error) {
	f, err := s.exchange(ctx, cmdFind, ECardFault)
	if err != nil {
		return "", err
	}
	switch st := f.status(); st {
	case swFound, swOK:
	case swNoCard:
		return "", errNoCard
	default:
		return "", statusError("find", st, f)
	}
	// From here the card was seen: what fails is most likely the card
	// moving, so a corrupt answer asks for it to be placed again.
	if f, err = s.exchange(ctx, cmdSelect, ECardIncomplete); err != nil {
		return "", err
	}
	if st := f.status(); st != swOK && st != swFound {
		return "", statusError("select", st, f)
	}
	if f, err = s.exchange(ctx, cmdRead, ECardIncomplete); err != nil {
		return "", err
	}
	if st := f.status(); st != swOK {
		return "", statusError("read", st, f)
	}
	block, ok := readAnswer(f.data)
	if !ok {
		return "", fail(ECardIncomplete, "read answer of %d bytes does not hold a text block", len(f.data))
	}
	text, _ := parseText(block)
	clear(f.data) // the name, address and photo go no further
	return s.check(text)
}

// statusError maps a reader's status to what the person can do.
func statusError(step string, st byte, f frame) error {
	code := ECardFault
	switch st {
	case swNoCard, swNoSelect, swReadFail, swNoItem, swCardAuth, swSAMAuth, swVerify, swRandomErr:
		code = ECardIncomplete
	case swCardType:
		code = ECardUnknown
	}
	return fail(code, "%s answered SW %02X %02X %02X", step, f.sw[0], f.sw[1], f.sw[2])
}

// check validates the number and the validity of a card's text.
func (s *Serial) check(t cardText) (core.ResidentID, error) {
	now := s.now()
	id, err := core.ParseResidentID(t.id, now)
	if err != nil {
		// core's message may quote digits of the number: log the code only.
		return "", fail(ECardUnknown, "the card's number fails %s", core.ErrorCode(err))
	}
	if t.validTo == neverExpires {
		return id, nil
	}
	end, err := time.Parse("20060102", t.validTo)
	if err != nil {
		return "", fail(ECardUnknown, "the card's validity end %q is no date", t.validTo)
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if end.Before(today) {
		return "", fail(ECardExpired, "card %s expired on %s", id.Masked(), t.validTo)
	}
	return id, nil
}

// exchange sends a command and waits for its answer. A corrupt answer
// (garbled, bad checksum) sends the command again, up to corruptTries
// times, then fails with corruptCode, as does an answer that does not come
// whole in time.
func (s *Serial) exchange(ctx context.Context, cmd [2]byte, corruptCode string) (frame, error) {
	var last error
	for try := 0; try < corruptTries; try++ {
		if err := s.port.ResetInputBuffer(); err != nil {
			return frame{}, fail(ECardNoReader, "reset input: %v", err)
		}
		if err := s.write(encodeCommand(cmd)); err != nil {
			return frame{}, err
		}
		f, err := s.answer(ctx, corruptCode)
		if !errors.Is(err, errLength) && !errors.Is(err, errChecksum) {
			return f, err
		}
		last = err
	}
	return frame{}, fail(corruptCode, "command %02X %02X: %d corrupt answers, last: %v", cmd[0], cmd[1], corruptTries, last)
}

// write sends b within writeTimeout. The serial library's Write has no
// deadline, so it runs aside; a Write that hangs has its port closed.
func (s *Serial) write(b []byte) error {
	port := s.port
	done := make(chan error, 1)
	go func() {
		for len(b) > 0 {
			n, err := port.Write(b)
			if err != nil {
				done <- err
				return
			}
			if n == 0 {
				done <- io.ErrShortWrite
				return
			}
			b = b[n:]
		}
		done <- nil
	}()
	t := time.NewTimer(writeTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fail(ECardNoReader, "write: %v", err)
		}
		return nil
	case <-t.C:
		s.drop()
		return fail(ECardNoReader, "write: no progress in %v", writeTimeout)
	}
}

// answer reads one frame within the timeout, skipping noise before it;
// no whole frame in time fails with lateCode.
func (s *Serial) answer(ctx context.Context, lateCode string) (frame, error) {
	deadline := time.Now().Add(s.timeout())
	chunk := make([]byte, 512)
	// Room for the largest frame, so that no copy of a card's data is
	// left behind in a grown-out array: both buffers are zeroed on return,
	// and the caller zeroes the data it is given.
	buf := make([]byte, 0, maxFrameLen+len(preamble)+2+len(chunk))
	defer func() {
		clear(chunk)
		clear(buf[:cap(buf)])
	}()
	for {
		f, n, err := parseFrame(buf)
		switch {
		case err == nil:
			f.data = slices.Clone(f.data)
			return f, nil
		case errors.Is(err, errNeedMore):
			buf = append(buf[:0], buf[n:]...)
		default:
			return frame{}, err
		}
		if ctx.Err() != nil {
			return frame{}, ctx.Err()
		}
		left := time.Until(deadline)
		if left <= 0 {
			return frame{}, fail(lateCode, "no whole answer in %v (%d bytes)", s.timeout(), len(buf))
		}
		if err := s.port.SetReadTimeout(min(left, readSlice)); err != nil {
			return frame{}, fail(ECardNoReader, "set read timeout: %v", err)
		}
		k, err := s.port.Read(chunk)
		if err != nil {
			return frame{}, fail(ECardNoReader, "read: %v", err)
		}
		buf = append(buf, chunk[:k]...)
	}
}

// sleep waits d or until ctx ends; it reports whether d passed.
func (s *Serial) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Serial) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Serial) poll() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	return DefaultPoll
}

func (s *Serial) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

func (s *Serial) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}
