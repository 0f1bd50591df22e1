package manifest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSerializationJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Serialization
		wantErr bool
	}{
		{"reference float shard size", `{"method":"shards","hash_type":"sha256","allow_symlinks":true,"shard_size":1000000000.0}`,
			Serialization{Method: "shards", HashType: "sha256", AllowSymlinks: true, ShardSize: 1000000000}, false},
		{"integer, unknown key, blake2 alias", `{"method":"files","hash_type":"blake2","allow_symlinks":false,"x":1,"ignore_paths":[".git"]}`,
			Serialization{Method: "files", HashType: "blake2b", IgnorePaths: []string{".git"}}, false},
		{"fractional shard size", `{"method":"shards","hash_type":"sha256","allow_symlinks":false,"shard_size":1.5}`, Serialization{}, true},
		{"missing allow_symlinks", `{"method":"files","hash_type":"sha256"}`, Serialization{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got Serialization
			err := json.Unmarshal([]byte(tc.in), &got)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); !tc.wantErr && diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A manifest survives Resources/Serialization -> JSON -> FromSigned, and
// Compare finds no difference with the rebuilt model.
func TestFromSignedRoundTrip(t *testing.T) {
	for _, opts := range []Options{{}, {ShardSize: 8}, {Algorithm: BLAKE2b, ShardSize: 5}} {
		m, err := Build(context.Background(), "testdata/edge/dir", opts)
		must(t, err)
		b, err := json.Marshal(map[string]any{"serialization": m.Serialization(), "resources": m.Resources()})
		must(t, err)
		var p struct {
			Serialization Serialization `json:"serialization"`
			Resources     []Resource    `json:"resources"`
		}
		must(t, json.Unmarshal(b, &p))
		got, err := FromSigned(p.Serialization, p.Resources)
		must(t, err)
		if d := Compare(got, m); !d.Empty() {
			t.Errorf("%+v: diff %+v", opts, d)
		}
		if diff := cmp.Diff(m.RootDigest(), got.RootDigest()); diff != "" {
			t.Errorf("root (-want +got):\n%s", diff)
		}
	}
}

func TestFromSigned(t *testing.T) {
	ser := Serialization{Method: "shards", HashType: "sha256", ShardSize: 8}
	tests := []struct {
		name    string
		res     Resource
		want    Item
		wantErr bool
	}{
		{"reference algorithm, colon in name", Resource{"a:b:0:8", "sha256-sharded-8", "00ff"}, Item{Path: "a:b", End: 8, Digest: []byte{0, 255}}, false},
		{"spec algorithm", Resource{"f:8:9", "sha256", "01"}, Item{Path: "f", Start: 8, End: 9, Digest: []byte{1}}, false},
		{"wrong algorithm", Resource{"f:0:8", "blake3", "01"}, Item{}, true},
		{"range over shard size", Resource{"f:0:9", "sha256", "01"}, Item{}, true},
		{"no range", Resource{"f", "sha256", "01"}, Item{}, true},
		{"bad hex", Resource{"f:0:1", "sha256", "zz"}, Item{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := FromSigned(ser, []Resource{tc.res})
			if tc.wantErr {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("err = %v, want ErrFormat", err)
				}
				return
			}
			must(t, err)
			if diff := cmp.Diff([]Item{tc.want}, m.Items); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
