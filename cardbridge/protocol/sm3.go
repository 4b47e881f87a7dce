package protocol

import (
	"encoding/binary"
	"math/bits"
)

// sm3Sum is SM3 (GB/T 32905-2016) over the concatenation of parts. This
// package is standard library only (so a page or a server may import it
// without the GM crypto module); the tests check it against
// github.com/emmansun/gmsm/sm3 and the standard's own examples.
func sm3Sum(parts ...[]byte) [32]byte {
	v := [8]uint32{
		0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
		0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
	}
	var block [64]byte
	n := 0     // bytes in block
	total := 0 // message length in bytes
	for _, p := range parts {
		total += len(p)
		for len(p) > 0 {
			c := copy(block[n:], p)
			n += c
			p = p[c:]
			if n == 64 {
				sm3Block(&v, &block)
				n = 0
			}
		}
	}
	// Padding: 0x80, zeros, 64-bit big-endian bit length.
	block[n] = 0x80
	n++
	if n > 56 {
		clear(block[n:])
		sm3Block(&v, &block)
		n = 0
	}
	clear(block[n:56])
	binary.BigEndian.PutUint64(block[56:], uint64(total)*8)
	sm3Block(&v, &block)

	var out [32]byte
	for i, x := range v {
		binary.BigEndian.PutUint32(out[4*i:], x)
	}
	return out
}

func sm3P0(x uint32) uint32 { return x ^ bits.RotateLeft32(x, 9) ^ bits.RotateLeft32(x, 17) }
func sm3P1(x uint32) uint32 { return x ^ bits.RotateLeft32(x, 15) ^ bits.RotateLeft32(x, 23) }

func sm3Block(v *[8]uint32, b *[64]byte) {
	var w [68]uint32
	for i := 0; i < 16; i++ {
		w[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	for j := 16; j < 68; j++ {
		w[j] = sm3P1(w[j-16]^w[j-9]^bits.RotateLeft32(w[j-3], 15)) ^
			bits.RotateLeft32(w[j-13], 7) ^ w[j-6]
	}
	a, bb, c, d, e, f, g, h := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	for j := 0; j < 64; j++ {
		t := uint32(0x79cc4519)
		if j >= 16 {
			t = 0x7a879d8a
		}
		a12 := bits.RotateLeft32(a, 12)
		ss1 := bits.RotateLeft32(a12+e+bits.RotateLeft32(t, j%32), 7)
		ss2 := ss1 ^ a12
		var ff, gg uint32
		if j < 16 {
			ff = a ^ bb ^ c
			gg = e ^ f ^ g
		} else {
			ff = (a & bb) | (a & c) | (bb & c)
			gg = (e & f) | (^e & g)
		}
		tt1 := ff + d + ss2 + (w[j] ^ w[j+4])
		tt2 := gg + h + ss1 + w[j]
		d = c
		c = bits.RotateLeft32(bb, 9)
		bb = a
		a = tt1
		h = g
		g = bits.RotateLeft32(f, 19)
		f = e
		e = sm3P0(tt2)
	}
	v[0] ^= a
	v[1] ^= bb
	v[2] ^= c
	v[3] ^= d
	v[4] ^= e
	v[5] ^= f
	v[6] ^= g
	v[7] ^= h
}
