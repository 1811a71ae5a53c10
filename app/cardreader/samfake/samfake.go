// Package samfake is a fake second-generation ID-card reader for tests: it
// builds the SAM protocol's frames and cards from the public description,
// independently of package cardreader, and (on Linux) speaks the protocol
// on the master side of a pseudo-terminal whose slave the kiosk opens as
// its serial port.
package samfake

import "unicode/utf16"

// Commands (CMD, Para) as the kiosk sends them.
var (
	Find   = [2]byte{0x20, 0x01}
	Select = [2]byte{0x20, 0x02}
	Read   = [2]byte{0x30, 0x01}
)

// Frame is an answer frame: preamble, length, SW1 SW2 SW3, data, and the
// XOR of everything after the preamble.
func Frame(sw [3]byte, data []byte) []byte {
	body := append(sw[:], data...)
	n := len(body) + 1
	b := append([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, byte(n >> 8), byte(n)}, body...)
	var c byte
	for _, x := range b[5:] {
		c ^= x
	}
	return append(b, c)
}

// Answer is an answer with status SW 00 00 sw3.
func Answer(sw3 byte, data ...byte) []byte { return Frame([3]byte{0x00, 0x00, sw3}, data) }

// Found is the answer "card found", NoCard "no card", Selected "selected".
func Found() []byte    { return Answer(0x9F, 0, 0, 0, 0) }
func NoCard() []byte   { return Answer(0x80) }
func Selected() []byte { return Answer(0x90, 0, 0, 0, 0, 0, 0, 0, 0) }

// Corrupt is f with its checksum wrong.
func Corrupt(f []byte) []byte {
	b := append([]byte(nil), f...)
	b[len(b)-1] ^= 0x5A
	return b
}

// putUCS2 writes s into a field as UCS-2LE, the rest padded with spaces.
func putUCS2(block []byte, off, size int, s string) {
	for i := off; i < off+size; i += 2 {
		block[i], block[i+1] = ' ', 0
	}
	for i, u := range utf16.Encode([]rune(s)) {
		if 2*i+1 >= size {
			break
		}
		block[off+2*i], block[off+2*i+1] = byte(u), byte(u>>8)
	}
}

// TextBlock is the 256-byte text block of a card with the given number
// and validity end (YYYYMMDD or 长期), the other fields long and real-looking.
func TextBlock(id, validTo string) []byte {
	b := make([]byte, 256)
	putUCS2(b, 0, 30, "欧阳娜娜")
	putUCS2(b, 30, 2, "2")
	putUCS2(b, 32, 4, "01")
	birth := "19491231"
	if len(id) == 18 {
		birth = id[6:14]
	}
	putUCS2(b, 36, 16, birth)
	putUCS2(b, 52, 70, "山东省济宁市任城区古槐街道琵琶山北路十八号院三号楼二单元")
	putUCS2(b, 122, 36, id)
	putUCS2(b, 158, 30, "济宁市公安局任城分局")
	putUCS2(b, 188, 16, "20160315")
	putUCS2(b, 204, 16, validTo)
	putUCS2(b, 220, 36, "")
	return b
}

// ReadAnswer is the answer to a read (30 01): the lengths, the text block
// and a 1024-byte photo.
func ReadAnswer(block []byte) []byte {
	data := []byte{0x01, 0x00, 0x04, 0x00}
	data = append(data, block...)
	photo := make([]byte, 1024)
	for i := range photo {
		photo[i] = byte(i * 7)
	}
	return Answer(0x90, append(data, photo...)...)
}

// Reply is what the fake reader does about one command.
type Reply struct {
	Raw    []byte // bytes to send (nil: stay silent)
	Unplug bool   // then close the line, as a reader pulled out
}

// Behaviour answers the n-th (from 1) command cmd.
type Behaviour func(cmd [2]byte, n int) Reply

// Card answers like a reader with a card of the given text block on it.
func Card(block []byte) Behaviour {
	return func(cmd [2]byte, n int) Reply {
		switch cmd {
		case Find:
			return Reply{Raw: Found()}
		case Select:
			return Reply{Raw: Selected()}
		}
		return Reply{Raw: ReadAnswer(block)}
	}
}

// Empty answers like a reader with no card on it.
func Empty() Behaviour {
	return func([2]byte, int) Reply { return Reply{Raw: NoCard()} }
}

// Override answers cmd with r where on(n), and like b otherwise.
func Override(b Behaviour, cmd [2]byte, on func(n int) bool, r Reply) Behaviour {
	return func(c [2]byte, n int) Reply {
		if c == cmd && on(n) {
			return r
		}
		return b(c, n)
	}
}

// Always is true for every n; First(k) for the first k.
func Always(int) bool { return true }

// First is true for the first k commands.
func First(k int) func(int) bool { return func(n int) bool { return n <= k } }

// nextCommand takes one command frame (10 bytes, no data) off b, checking
// it as a reader would.
func nextCommand(b []byte) ([2]byte, []byte, bool) {
	for len(b) >= 10 {
		if b[0] != 0xAA || b[1] != 0xAA || b[2] != 0xAA || b[3] != 0x96 || b[4] != 0x69 ||
			b[5] != 0x00 || b[6] != 0x03 || b[5]^b[6]^b[7]^b[8] != b[9] {
			b = b[1:]
			continue
		}
		return [2]byte{b[7], b[8]}, b[10:], true
	}
	return [2]byte{}, b, false
}
