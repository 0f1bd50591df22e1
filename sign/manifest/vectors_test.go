package manifest

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expected values come from testdata/README.md's sources: the vectors README
// (edge/) and the reference bundle model.sig (v1.1.0-elliptic-key/).
func TestVectors(t *testing.T) {
	const (
		d1   = "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
		d2   = "d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35"
		d3   = "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce"
		dBig = "564b146b27c9ded7e5110f6c53a78b2da3ccc295fe418e2534feaabb1dd0c720"
		dE   = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		d8   = "4cf0c1012276f46af31e44d2fbb03ae7af56f03c9996eb9452b99b3e6273698e"
		d7   = "7b70d3ab4c7641542e1f158b458eeae7cfb7bdb815d4110cc6178bafcfdf43f8"
		dT   = "e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8"
	)
	tests := []struct {
		name     string
		root     string
		opts     Options
		wantRes  []Resource
		wantSer  Serialization
		wantRoot string
	}{
		{
			name: "dir files sha256", root: "testdata/edge/dir",
			wantRes: []Resource{
				{"a/b", "sha256", d1}, {"a-b/c", "sha256", d2}, {"a.txt", "sha256", d3},
				{"big", "sha256", dBig}, {"empty", "sha256", dE},
			},
			wantSer:  Serialization{Method: "files", HashType: "sha256", IgnorePaths: GitIgnores},
			wantRoot: "4bbe99a8715c1aac7cd014a2dd5b37e373fd6b3591e5640e90cea29982d43826",
		},
		{
			name: "dir shards 8", root: "testdata/edge/dir", opts: Options{ShardSize: 8},
			wantRes: []Resource{
				{"a/b:0:1", "sha256-sharded-8", d1}, {"a-b/c:0:1", "sha256-sharded-8", d2},
				{"a.txt:0:1", "sha256-sharded-8", d3}, {"big:0:8", "sha256-sharded-8", d8},
				{"big:8:16", "sha256-sharded-8", d8}, {"big:16:23", "sha256-sharded-8", d7},
			},
			wantSer:  Serialization{Method: "shards", HashType: "sha256", ShardSize: 8, IgnorePaths: GitIgnores},
			wantRoot: "c03313ba69d86508ac31329dc2e51591a958beedbca86f0575112f9563753ad1",
		},
		{
			name: "single file", root: "testdata/edge/single.bin",
			wantRes:  []Resource{{".", "sha256", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}},
			wantSer:  Serialization{Method: "files", HashType: "sha256", IgnorePaths: GitIgnores},
			wantRoot: "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50",
		},
		{
			name: "single file blake2b", root: "testdata/edge/single.bin", opts: Options{Algorithm: BLAKE2b},
			wantRes:  []Resource{{".", "blake2b", "e4cfa39a3d37be31c59609e807970799caa68a19bfaa15135f165085e01d41a65ba1e1b146aeb6bd0092b49eac214c103ccfa3a365954bbbe52f74a2b3620c94"}},
			wantSer:  Serialization{Method: "files", HashType: "blake2b", IgnorePaths: GitIgnores},
			wantRoot: "89bdc0fe32f655db5270d2fc3292f02dd43c7ab3930e692a21f0cc9948d20b50",
		},
		{
			name: "symlink allowed", root: "testdata/edge/sym", opts: Options{AllowSymlinks: true},
			wantRes:  []Resource{{"l", "sha256", dT}, {"t", "sha256", dT}},
			wantSer:  Serialization{Method: "files", HashType: "sha256", AllowSymlinks: true, IgnorePaths: GitIgnores},
			wantRoot: "affbb9cbdeaa387d401eb38324b15d4e6b64cff1412a9616cd9fae71fcded86e",
		},
		{
			name: "reference v1.1.0 key bundle", root: "testdata/v1.1.0-elliptic-key",
			opts: Options{SignatureName: "model.sig", Ignore: []string{"ignore-me"}},
			wantRes: []Resource{
				{"signme-1", "sha256", "bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc"},
				{"signme-2", "sha256", "32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028"},
			},
			wantSer: Serialization{Method: "files", HashType: "sha256",
				IgnorePaths: []string{".git", ".gitattributes", ".github", ".gitignore", "ignore-me", "model.sig"}},
			wantRoot: "92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Build(context.Background(), tc.root, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantRes, m.Resources()); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantSer, m.Serialization()); diff != "" {
				t.Errorf("serialization (-want +got):\n%s", diff)
			}
			if got := hex.EncodeToString(m.RootDigest()); got != tc.wantRoot {
				t.Errorf("root = %s, want %s", got, tc.wantRoot)
			}
		})
	}
}

func TestSymlinkRefusedByDefault(t *testing.T) {
	_, err := Build(context.Background(), "testdata/edge/sym", Options{})
	if !errors.Is(err, ErrSymlink) {
		t.Fatalf("err = %v, want ErrSymlink", err)
	}
	if want := "manifest: symlink not allowed: l (allow_symlinks is false)"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}
