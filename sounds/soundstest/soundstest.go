// Package soundstest makes audio for tests: WAVs as the hotline stores its prompts.
package soundstest

import (
	"encoding/binary"
	"time"
)

// WAV is an 8 kHz mono 16-bit WAV lasting d: a 400 Hz square wave of amplitude level
// (0 is silence).
func WAV(d time.Duration, level int16) []byte {
	n := int(d.Seconds() * 8000)
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)     // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)     // mono
	binary.LittleEndian.PutUint32(b[24:], 8000)  // samples a second
	binary.LittleEndian.PutUint32(b[28:], 16000) // bytes a second
	binary.LittleEndian.PutUint16(b[32:], 2)     // bytes a sample
	binary.LittleEndian.PutUint16(b[34:], 16)    // bits a sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		v := level
		if i%20 < 10 {
			v = -level
		}
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return b
}
