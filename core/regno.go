package core

import (
	"fmt"
	"strconv"
	"strings"
)

// Registration numbers of an enrolled kiosk: PPPP-SSSS-SSSS, where PPPP is
// the four-digit prefix the engine gave the device at enrolment (1000 to
// 9999, unique per device) and SSSS-SSSS is the kiosk's own sequence
// number 1, 2, 3 … scrambled by a fixed bijection of 0..10^8-1, so that
// neighbouring families do not get neighbouring numbers to guess. Two
// devices never share a prefix and one device never repeats a sequence
// number, so a number is unique across every kiosk by construction; the
// engine checks the prefix and keeps a unique index besides.
const (
	regSeqMod  = 100_000_000
	regSeqMult = 36_204_317 // odd and not a multiple of 5: invertible mod 10^8
)

// regSeqInverse is regSeqMult's inverse modulo 10^8.
var regSeqInverse = func() int64 {
	// Extended Euclid.
	a, m := int64(regSeqMult), int64(regSeqMod)
	x0, x1 := int64(1), int64(0)
	for m != 0 {
		q := a / m
		a, m = m, a-q*m
		x0, x1 = x1, x0-q*x1
	}
	return (x0%regSeqMod + regSeqMod) % regSeqMod
}()

// MaxRegSeq is the last sequence number a device can print.
const MaxRegSeq = regSeqMod - 1

// PrefixedRegNo is the number of an enrolled kiosk's seq-th application.
func PrefixedRegNo(prefix int, seq int64) (string, error) {
	if prefix < 1000 || prefix > 9999 {
		return "", Errorf(EINVALID, "登记号前缀 %d 不正确，请联系管理员重新登记本机。", prefix)
	}
	if seq < 1 || seq > MaxRegSeq {
		return "", Errorf(EINVALID, "本机的登记号已用完，请联系管理员重新登记本机。")
	}
	v := seq * regSeqMult % regSeqMod
	d := fmt.Sprintf("%04d%08d", prefix, v)
	return d[:4] + "-" + d[4:8] + "-" + d[8:], nil
}

// RegNoPrefix returns the device prefix of a registration number in the
// stored form (0 when it carries none: a number of a kiosk not enrolled,
// or one printed before prefixes).
func RegNoPrefix(regNo string) int {
	if len(regNo) != 14 || regNo[4] != '-' || regNo[9] != '-' || regNo[0] == '0' {
		return 0
	}
	p, err := strconv.Atoi(regNo[:4])
	if err != nil {
		return 0
	}
	return p
}

// RegSeq returns the sequence number of a registration number carrying
// prefix, and false for any other.
func RegSeq(regNo string, prefix int) (int64, bool) {
	if RegNoPrefix(regNo) != prefix || prefix == 0 {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(regNo[5:], "-", ""), 10, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v * regSeqInverse % regSeqMod, true
}
