package testcaller

import (
	"encoding/binary"
	"fmt"
	"os"
	"time"
)

// WriteDTMFPcap writes a pcap of RFC 4733 key presses for sipp's play_pcap_audio, built
// from the one-key pcaps Debian's sip-tester ships: keys one after another, gap apart.
// Each shipped pcap starts at its own RTP sequence number and timestamp, so that in one
// call a later key could look older than an earlier one and Asterisk would drop it:
// the packets are renumbered into one stream (sequence, timestamp, SSRC), and their
// capture times set gap apart, which sipp replays.
func WriteDTMFPcap(path, keys string, gap time.Duration) error {
	at := make([]time.Duration, len(keys))
	for i := range at {
		at[i] = time.Duration(i) * gap
	}
	return WriteDTMFPcapAt(path, keys, at)
}

// WriteDTMFPcapAt is WriteDTMFPcap with each key at its own time from the first.
func WriteDTMFPcapAt(path, keys string, at []time.Duration) error {
	if len(at) != len(keys) {
		return fmt.Errorf("%d keys, %d times", len(keys), len(at))
	}
	const (
		dir      = "/usr/share/sip-tester/"
		rtpStart = 14 + 20 + 8 // Ethernet, IPv4 without options, UDP
	)
	var out []byte
	seq, stamp := uint16(1000), uint32(8000)
	for i, k := range keys {
		name := string(k)
		switch k {
		case '#':
			name = "pound"
		case '*':
			name = "star"
		}
		b, err := os.ReadFile(dir + "dtmf_2833_" + name + ".pcap")
		if err != nil {
			return fmt.Errorf("key %c: %w", k, err)
		}
		if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(b[20:]) != 1 {
			return fmt.Errorf("key %c: not a little-endian Ethernet pcap", k)
		}
		if i == 0 {
			out = append(out, b[:24]...)
		}
		var first time.Duration
		for o, n := 24, 0; o+16 <= len(b); n++ {
			incl := int(binary.LittleEndian.Uint32(b[o+8:]))
			if o+16+incl > len(b) || incl < rtpStart+12 {
				return fmt.Errorf("key %c: packet %d is cut short", k, n)
			}
			t := time.Duration(binary.LittleEndian.Uint32(b[o:]))*time.Second + time.Duration(binary.LittleEndian.Uint32(b[o+4:]))*time.Microsecond
			if n == 0 {
				first = t
			}
			when := at[i] + (t - first) + time.Second
			rec := append([]byte(nil), b[o:o+16+incl]...)
			binary.LittleEndian.PutUint32(rec[0:], uint32(when/time.Second))
			binary.LittleEndian.PutUint32(rec[4:], uint32(when%time.Second/time.Microsecond))
			rtp := rec[16+rtpStart:]
			binary.BigEndian.PutUint16(rtp[2:], seq)
			binary.BigEndian.PutUint32(rtp[4:], stamp) // one event: one timestamp
			binary.BigEndian.PutUint32(rtp[8:], 0x48554531)
			seq++
			out = append(out, rec...)
			o += 16 + incl
		}
		if i+1 < len(at) {
			stamp += uint32((at[i+1] - at[i]).Seconds() * 8000)
		}
	}
	return os.WriteFile(path, out, 0o644)
}
