package cardreader

// The SAM serial protocol of second-generation resident ID-card readers
// (the security module of GA 467 readers). What this file relies on, as the
// public descriptions state it:
//
//   - 公安部身份证阅读器模块SAM通讯协议 (blog.csdn.net/zhangbijun1230/article/
//     details/85242964; the same text at eastcoms.com/service/downdrive/508.html,
//     "SAM_V通信协议"): UART 115200 bit/s 8N1 by default. A command frame is
//     preamble AA AA AA 96 69, Len1 Len2 (big-endian: the bytes that follow,
//     checksum included), CMD, Para, data, CHK_SUM; a response frame is the
//     preamble, Len1 Len2, SW1 SW2 SW3, data, CHK_SUM. CHK_SUM is the XOR of
//     every byte except the preamble and the checksum itself. Commands used
//     here: find card 20 01, select card 20 02, read the base message (text
//     and photo) 30 01.
//   - The SAM_V status table published with reader SDKs (sdtapi headers):
//     SW3 90 success, 9F card found, 91 the card has no such item, 80 no card
//     found, 81 card could not be selected, 10 checksum of the terminal's
//     frame wrong, 11 its length wrong, 21 command wrong, 23 not permitted,
//     24 unknown error, 31 card failed to authenticate the SAM, 32 the SAM
//     failed to authenticate the card, 33 verification failed, 40 unknown
//     card type, 41 reading the card failed, 47 random number failed,
//     60 SAM self-test failed, 66 SAM not authorised.
//   - 身份证阅读器SAM模块身份证信息解析说明 (eastcoms.com/service/downdrive/
//     533.html) and a worked serial example (yzsam.com/html/CNvfzM.html): the
//     read answer is SW 00 00 90, the text length (2 bytes, big-endian, 256),
//     the photo length (1024), the 256-byte text block, the photo; a
//     1295-byte frame in all. Find answers 00 00 9F with four data bytes,
//     select 00 00 90 with eight, no card 00 00 80 with none.
//   - The text block holds fixed-width UCS-2 little-endian fields padded
//     with spaces: name 30 bytes, sex 2, nation 4, birth date 16 (YYYYMMDD),
//     address 70, ID number 36, issuing authority 30, valid from 16, valid
//     to 16 (a date, or 长期 for a card that never expires), reserved 36.

import (
	"errors"
	"strings"
	"unicode/utf16"
)

// preamble starts every frame in both directions.
var preamble = [5]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

// Commands (CMD, Para).
var (
	cmdFind   = [2]byte{0x20, 0x01}
	cmdSelect = [2]byte{0x20, 0x02}
	cmdRead   = [2]byte{0x30, 0x01}
)

// SW3 values the reader answers with (SW1 and SW2 are 00).
const (
	swOK        = 0x90
	swFound     = 0x9F
	swNoItem    = 0x91
	swNoCard    = 0x80
	swNoSelect  = 0x81
	swCardType  = 0x40
	swReadFail  = 0x41
	swCardAuth  = 0x31
	swSAMAuth   = 0x32
	swVerify    = 0x33
	swRandomErr = 0x47
)

// maxFrameLen bounds the length field: the largest answer, text, photo and
// fingerprints, is 2321 bytes in all, so anything far above it is noise.
const maxFrameLen = 4096

// minFrameLen is SW1 SW2 SW3 and the checksum.
const minFrameLen = 4

// textLen is the size of the text block, photoLen the photo's.
const (
	textLen  = 256
	photoLen = 1024
)

var (
	// errNeedMore: the bytes so far end inside a frame.
	errNeedMore = errors.New("cardreader: incomplete frame")
	// errLength: a preamble followed by an impossible length.
	errLength = errors.New("cardreader: frame length out of range")
	// errChecksum: a whole frame whose checksum does not match.
	errChecksum = errors.New("cardreader: frame checksum mismatch")
)

// frame is one answer of the reader, checksum checked and stripped.
type frame struct {
	sw   [3]byte
	data []byte // aliases the bytes parsed; Serial.answer hands out a copy
}

// status is SW3 when SW1 and SW2 are zero, as every defined status has
// them; anything else is no status the protocol knows (0).
func (f frame) status() byte {
	if f.sw[0] != 0 || f.sw[1] != 0 {
		return 0
	}
	return f.sw[2]
}

// checksum is the XOR of b.
func checksum(b []byte) byte {
	var c byte
	for _, x := range b {
		c ^= x
	}
	return c
}

// encodeCommand builds the frame of a command without data.
func encodeCommand(cmd [2]byte) []byte {
	b := append(preamble[:], 0x00, 0x03, cmd[0], cmd[1], 0)
	b[len(b)-1] = checksum(b[len(preamble) : len(b)-1])
	return b
}

// parseFrame finds the first answer frame in b. It returns the frame and
// the bytes it used; with errNeedMore, n bytes of noise before a possible
// frame may be dropped and more read; with errLength or errChecksum, the n
// bytes up to and including the broken frame's end (or its preamble) may
// be dropped to find the next one.
func parseFrame(b []byte) (f frame, n int, err error) {
	i := indexPreamble(b)
	if i < 0 {
		// Keep a tail that may be the start of a preamble.
		keep := min(len(b), len(preamble)-1)
		for keep > 0 && !isPreamblePrefix(b[len(b)-keep:]) {
			keep--
		}
		return frame{}, len(b) - keep, errNeedMore
	}
	head := i + len(preamble)
	if len(b) < head+2 {
		return frame{}, i, errNeedMore
	}
	length := int(b[head])<<8 | int(b[head+1])
	if length < minFrameLen || length > maxFrameLen {
		return frame{}, head, errLength
	}
	end := head + 2 + length
	if len(b) < end {
		return frame{}, i, errNeedMore
	}
	if checksum(b[head:end-1]) != b[end-1] {
		return frame{}, end, errChecksum
	}
	body := b[head+2 : end-1]
	f.sw = [3]byte{body[0], body[1], body[2]}
	f.data = body[3:]
	return f, end, nil
}

func indexPreamble(b []byte) int {
	for i := 0; i+len(preamble) <= len(b); i++ {
		if [5]byte(b[i:i+5]) == preamble {
			return i
		}
	}
	return -1
}

func isPreamblePrefix(b []byte) bool {
	for i, x := range b {
		if preamble[i] != x {
			return false
		}
	}
	return true
}

// textField is one field of the text block: its offset and size in bytes.
type textField struct{ off, size int }

// The text block's fields, in order (sizes from the public layout above).
var (
	fieldName      = textField{0, 30}
	fieldSex       = textField{30, 2}
	fieldNation    = textField{32, 4}
	fieldBirth     = textField{36, 16}
	fieldAddress   = textField{52, 70}
	fieldIDNumber  = textField{122, 36}
	fieldIssuer    = textField{158, 30}
	fieldValidFrom = textField{188, 16}
	fieldValidTo   = textField{204, 16}
	fieldReserved  = textField{220, 36}
)

// textFields lists every field, for the layout test.
var textFields = []textField{fieldName, fieldSex, fieldNation, fieldBirth, fieldAddress,
	fieldIDNumber, fieldIssuer, fieldValidFrom, fieldValidTo, fieldReserved}

// neverExpires is what the valid-to field holds on a card for life.
const neverExpires = "长期"

// cardText is what the kiosk takes from a card: the number and its
// validity. The name, address and the rest are left undecoded, so they
// never sit in memory as strings.
type cardText struct {
	id        string
	validFrom string // YYYYMMDD
	validTo   string // YYYYMMDD or 长期
}

// readAnswer splits the data of a read answer (30 01) into the text block,
// checking the lengths it declares.
func readAnswer(data []byte) ([]byte, bool) {
	if len(data) < 4 {
		return nil, false
	}
	tl := int(data[0])<<8 | int(data[1])
	pl := int(data[2])<<8 | int(data[3])
	if tl != textLen || len(data) < 4+tl+pl {
		return nil, false
	}
	return data[4 : 4+tl], true
}

// parseText decodes the fields the kiosk needs from a text block.
func parseText(block []byte) (cardText, bool) {
	if len(block) != textLen {
		return cardText{}, false
	}
	return cardText{
		id:        ucs2(block, fieldIDNumber),
		validFrom: ucs2(block, fieldValidFrom),
		validTo:   ucs2(block, fieldValidTo),
	}, true
}

// ucs2 decodes a UCS-2LE field, dropping the padding.
func ucs2(block []byte, f textField) string {
	b := block[f.off : f.off+f.size]
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return strings.TrimRight(string(utf16.Decode(u)), " \x00")
}
