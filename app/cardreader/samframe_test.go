package cardreader

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"enrolldesk/app/cardreader/samfake"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The commands and short answers as published in the public examples.
func TestFramesMatchThePublishedBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"find", encodeCommand(cmdFind), "AAAAAA96690003200122"},
		{"select", encodeCommand(cmdSelect), "AAAAAA96690003200221"},
		{"read", encodeCommand(cmdRead), "AAAAAA96690003300132"},
		{"answer: card found", samfake.Found(), "AAAAAA9669000800009F0000000097"},
		{"answer: no card", samfake.NoCard(), "AAAAAA9669000400008084"},
		{"answer: selected", samfake.Selected(), "AAAAAA9669000C00009000000000000000009C"},
	} {
		if want := unhex(t, tc.want); !bytes.Equal(tc.got, want) {
			t.Errorf("%s = %X, want %X", tc.name, tc.got, want)
		}
	}
	if n := len(samfake.ReadAnswer(samfake.TextBlock("11010519491231002X", "长期"))); n != 1295 {
		t.Errorf("a read answer is %d bytes, the published size is 1295", n)
	}
}

func TestParseFrame(t *testing.T) {
	found := samfake.Found()
	for _, tc := range []struct {
		name    string
		in      []byte
		wantErr error
		wantN   int
		wantSW3 byte
	}{
		{"whole frame", found, nil, len(found), 0x9F},
		{"noise before", append([]byte{0x00, 0x13, 0xAA, 0x96}, found...), nil, 4 + len(found), 0x9F},
		{"frame and the next", append(append([]byte{}, found...), samfake.NoCard()...), nil, len(found), 0x9F},
		{"half a frame", found[:9], errNeedMore, 0, 0},
		{"preamble only", found[:5], errNeedMore, 0, 0},
		{"noise ending in a preamble's start", []byte{1, 2, 3, 0xAA, 0xAA}, errNeedMore, 3, 0},
		{"noise only", []byte{1, 2, 3, 4, 5, 6}, errNeedMore, 6, 0},
		{"nothing", nil, errNeedMore, 0, 0},
		{"bad checksum", samfake.Corrupt(found), errChecksum, len(found), 0},
		{"length too small", unhex(t, "AAAAAA966900020000"), errLength, 5, 0},
		{"length too large", unhex(t, "AAAAAA9669FFFF00009F"), errLength, 5, 0},
	} {
		f, n, err := parseFrame(tc.in)
		if !errors.Is(err, tc.wantErr) || n != tc.wantN {
			t.Errorf("%s: n=%d err=%v, want n=%d err=%v", tc.name, n, err, tc.wantN, tc.wantErr)
			continue
		}
		if err == nil && f.status() != tc.wantSW3 {
			t.Errorf("%s: status %02X, want %02X", tc.name, f.status(), tc.wantSW3)
		}
	}
}

func TestTextBlockLayout(t *testing.T) {
	off := 0
	for _, f := range textFields {
		if f.off != off {
			t.Fatalf("field at %d, want %d: the fields must follow each other", f.off, off)
		}
		off += f.size
	}
	if off != textLen {
		t.Fatalf("fields cover %d bytes, want %d", off, textLen)
	}
	block, ok := readAnswer(samfake.ReadAnswer(samfake.TextBlock("11010519491231002X", "长期"))[10:1294])
	if !ok {
		t.Fatal("read answer not split")
	}
	got, ok := parseText(block)
	if !ok || got.id != "11010519491231002X" || got.validFrom != "20160315" || got.validTo != "长期" {
		t.Fatalf("parsed %+v", got)
	}
}

// FuzzParseFrame: any bytes on the line give a frame, a wait for more, or
// a corrupt frame to skip — never a panic, never a step backwards, and a
// frame found is exactly the bytes it was made of.
func FuzzParseFrame(f *testing.F) {
	f.Add(samfake.Found())
	f.Add(samfake.NoCard())
	f.Add(samfake.Selected())
	f.Add(samfake.ReadAnswer(samfake.TextBlock("11010519491231002X", "20301231")))
	f.Add(append([]byte{0xAA, 0xAA}, samfake.Found()...))
	f.Add(samfake.Corrupt(samfake.Found()))
	f.Add([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF})
	f.Add([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := parseFrame(b)
		if n < 0 || n > len(b) {
			t.Fatalf("used %d of %d bytes", n, len(b))
		}
		switch {
		case err == nil:
			whole := samfake.Frame(fr.sw, fr.data)
			if n < len(whole) || !bytes.Equal(b[n-len(whole):n], whole) {
				t.Fatalf("frame SW %X data %X is not the bytes it came from", fr.sw, fr.data)
			}
			if block, ok := readAnswer(fr.data); ok {
				if _, ok := parseText(block); !ok {
					t.Fatal("a split text block must parse")
				}
			}
		case errors.Is(err, errNeedMore):
		case errors.Is(err, errLength), errors.Is(err, errChecksum):
			if n == 0 {
				t.Fatal("a corrupt frame must be skipped")
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
