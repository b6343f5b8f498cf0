package asterisk

import (
	"reflect"
	"testing"

	"github.com/CyCoreSystems/ari/v5"
)

// The stream decodes an event in one pass as the library would in two: type first as
// Asterisk writes it, or anywhere; a type it does not know gives nothing.
func TestDecodeEvent(t *testing.T) {
	for _, data := range []string{
		`{"type":"ChannelDtmfReceived","timestamp":"2026-11-28T09:00:00.000+0000","digit":"5","duration_ms":120,"channel":{"id":"c1","state":"Up","caller":{"name":"","number":"0905123456"}},"application":"hotline"}`,
		`{ "digit": "5", "type": "ChannelDtmfReceived", "channel": {"id": "c1"} }`,
		`{"type":"PlaybackFinished","playback":{"id":"p1","state":"done","target_uri":"channel:c1"}}`,
		`{"type":"StasisStart","args":[],"channel":{"id":"c2","dialplan":{"context":"from-carrier","exten":"19001075"}}}`,
		`{"type":"ChannelTalkingStarted","channel":{"id":"c1"}}`,
		`{"type":"SomethingNewer","channel":{"id":"c1"}}`,
	} {
		want, wantErr := ari.DecodeEvent([]byte(data))
		got, err := decodeEvent([]byte(data))
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v, %v\nwant %#v, %v", data, got, err, want, wantErr)
		}
	}
	if e, _ := decodeEvent([]byte(`{"type":"ChannelDtmfReceived","digit":"7"}`)); e.(*ari.ChannelDtmfReceived).Digit != "7" {
		t.Errorf("digit: %#v", e)
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	data := []byte(`{"type":"ChannelDtmfReceived","timestamp":"2026-11-28T14:23:19.123+0000","digit":"2","duration_ms":100,"channel":{"id":"fu-8f2a1c9d3e4b5a6f","name":"PJSIP/carrier-00000abc","state":"Up","protocol_id":"abc@127.0.0.1","caller":{"name":"","number":"19001075"},"connected":{"name":"","number":"0905000123"},"accountcode":"","dialplan":{"context":"from-carrier","exten":"s","priority":1,"app_name":"Stasis","app_data":"hotline"},"creationtime":"2026-11-28T14:23:01.000+0000","language":"en","tenantid":""},"asterisk_id":"02:42:ac:11:00:02","application":"hotline"}`)
	b.Run("library", func(b *testing.B) {
		for b.Loop() {
			ari.DecodeEvent(data)
		}
	})
	b.Run("one pass", func(b *testing.B) {
		for b.Loop() {
			decodeEvent(data)
		}
	})
}
