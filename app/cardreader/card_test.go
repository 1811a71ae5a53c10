package cardreader

import (
	"unicode/utf16"
)

// Test-side encoders, written from the protocol description rather than
// with the package's own, so each checks the other.

// answerFrame is a reader's answer: SW 00 00 sw3, data, XOR checksum.
func answerFrame(sw3 byte, data ...byte) []byte {
	return frameBytes([3]byte{0x00, 0x00, sw3}, data)
}

// frameBytes is an answer frame with any status.
func frameBytes(sw [3]byte, data []byte) []byte {
	body := append(sw[:], data...)
	n := len(body) + 1
	b := append([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, byte(n >> 8), byte(n)}, body...)
	var c byte
	for _, x := range b[5:] {
		c ^= x
	}
	return append(b, c)
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

// cardBlock is the 256-byte text block of a card with the given number
// and validity end (YYYYMMDD or 长期), with long real-looking other fields.
func cardBlock(id, validTo string) []byte {
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

// readFrame is the answer to 30 01: lengths, text block, a photo.
func readFrame(block []byte) []byte {
	data := []byte{0x01, 0x00, 0x04, 0x00}
	data = append(data, block...)
	photo := make([]byte, 1024)
	for i := range photo {
		photo[i] = byte(i * 7)
	}
	return answerFrame(0x90, append(data, photo...)...)
}

var (
	foundFrame    = answerFrame(0x9F, 0, 0, 0, 0)
	noCardFrame   = answerFrame(0x80)
	selectedFrame = answerFrame(0x90, 0, 0, 0, 0, 0, 0, 0, 0)
)

// corrupt flips the checksum of a frame.
func corrupt(f []byte) []byte {
	b := append([]byte(nil), f...)
	b[len(b)-1] ^= 0x5A
	return b
}
