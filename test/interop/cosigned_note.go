// An independent check of the portal's cosigned checkpoints, with Go's own C2SP signed-note
// implementation (golang.org/x/mod/sumdb/note, Debian's golang-golang-x-mod-dev): the
// portal's line is an ordinary Ed25519 note signature; each witness line is read by a
// note.Verifier written here from the C2SP tlog-cosignature spec (cosignature/v1), as
// transparency-dev and Sigstore's witnesses plug theirs into the same interface.
//
// Input (stdin, JSON): {"note": "...", "portal": {"name": "...", "key": "<base64 32 bytes>"},
// "witnesses": [{"name": "...", "key": "<base64>"}], "threshold": K}
// Output: one line per verified signature, "<name> <timestamp or portal>"; exit 1 when the
// note does not verify or fewer than K witnesses cosigned it.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type input struct {
	Note   string `json:"note"`
	Portal struct {
		Name string `json:"name"`
		Key  string `json:"key"`
	} `json:"portal"`
	Witnesses []struct {
		Name string `json:"name"`
		Key  string `json:"key"`
	} `json:"witnesses"`
	Threshold int `json:"threshold"`
}

// cosignatureV1 verifies C2SP tlog-cosignature Ed25519 lines: key hash
// SHA-256(name || "\n" || 0x04 || key)[:4]; signature = u64 timestamp || Ed25519 signature
// over "cosignature/v1\ntime <timestamp>\n" || note text.
type cosignatureV1 struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	seen map[string]uint64
}

func newCosignatureV1(name string, key ed25519.PublicKey, seen map[string]uint64) *cosignatureV1 {
	h := sha256.Sum256(append(append([]byte(name), '\n', 0x04), key...))
	return &cosignatureV1{name: name, hash: binary.BigEndian.Uint32(h[:4]), key: key, seen: seen}
}

func (v *cosignatureV1) Name() string    { return v.name }
func (v *cosignatureV1) KeyHash() uint32 { return v.hash }
func (v *cosignatureV1) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t >= 1<<63 {
		return false
	}
	signed := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	if !ed25519.Verify(v.key, signed, sig[8:]) {
		return false
	}
	v.seen[v.name] = t
	return true
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("input: %v", err)
	}
	portalKey, err := base64.StdEncoding.DecodeString(in.Portal.Key)
	if err != nil || len(portalKey) != ed25519.PublicKeySize {
		fail("portal key: not 32 bytes of base64")
	}
	vkey, err := note.NewEd25519VerifierKey(in.Portal.Name, ed25519.PublicKey(portalKey))
	if err != nil {
		fail("portal key: %v", err)
	}
	portal, err := note.NewVerifier(vkey)
	if err != nil {
		fail("portal key: %v", err)
	}
	seen := map[string]uint64{}
	verifiers := []note.Verifier{portal}
	for _, w := range in.Witnesses {
		key, err := base64.StdEncoding.DecodeString(w.Key)
		if err != nil || len(key) != ed25519.PublicKeySize {
			fail("witness %s: key not 32 bytes of base64", w.Name)
		}
		verifiers = append(verifiers, newCosignatureV1(w.Name, ed25519.PublicKey(key), seen))
	}
	n, err := note.Open([]byte(in.Note), note.VerifierList(verifiers...))
	if err != nil {
		fail("note: %v", err)
	}
	// tlog-checkpoint: origin, decimal size, base64 root of 32 bytes, then extension lines.
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] != in.Portal.Name {
		fail("checkpoint: origin is not %s", in.Portal.Name)
	}
	if _, err := strconv.ParseUint(lines[1], 10, 64); err != nil {
		fail("checkpoint: size %q", lines[1])
	}
	if root, err := base64.StdEncoding.DecodeString(lines[2]); err != nil || len(root) != 32 {
		fail("checkpoint: root %q", lines[2])
	}
	portalSigned := false
	for _, sig := range n.Sigs {
		if sig.Name == in.Portal.Name && sig.Hash == portal.KeyHash() {
			portalSigned = true
			fmt.Printf("%s portal\n", sig.Name)
		} else {
			fmt.Printf("%s %d\n", sig.Name, seen[sig.Name])
		}
	}
	if !portalSigned {
		fail("note: no signature by the portal key")
	}
	if len(seen) < in.Threshold {
		fail("policy: %d witnesses cosigned, %d needed", len(seen), in.Threshold)
	}
}
