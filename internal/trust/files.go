package trust

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Names of the files a node keeps its identity in, inside its data directory.
const (
	keyFile  = "node.key"
	certFile = "node.crt"
	// nextKeyFile holds a new key while Save replaces the certificate, so
	// that a crash in between leaves a pair Load can mend.
	nextKeyFile = "node.key.next"
)

// PEM block types of the files.
const (
	pemPrivateKey  = "PRIVATE KEY"
	pemCertificate = "CERTIFICATE"
)

// Save writes id to dir: the key to dir/node.key (PKCS #8 PEM, mode 0600)
// and the chain to dir/node.crt (PEM, leaf first, mode 0644). The new key
// is written beside the old one first, then the chain replaces the old one,
// then the key does, each step atomic and durable: a crash at any point
// (a node renewing its certificate on its own, unattended) leaves either
// the old pair, or the new chain beside both keys, which [Load] mends.
func Save(dir string, id Identity) error {
	if len(id.Chain) == 0 {
		return fmt.Errorf("trust: save: %w: empty certificate chain", ErrNoIdentity)
	}
	if err := checkKey(id.Key); err != nil {
		return fmt.Errorf("trust: save: %w", err)
	}
	if !id.Key.Public().(ed25519.PublicKey).Equal(id.Chain[0].PublicKey) {
		return fmt.Errorf("trust: save: %w", ErrKeyMismatch)
	}
	if err := saveKeyAs(filepath.Join(dir, nextKeyFile), id.Key); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, certFile), EncodeChainPEM(id.Chain), 0o644); err != nil {
		return fmt.Errorf("trust: save: %w", err)
	}
	if err := os.Rename(filepath.Join(dir, nextKeyFile), filepath.Join(dir, keyFile)); err != nil {
		return fmt.Errorf("trust: save: %w", err)
	}
	return syncDir(dir)
}

// SaveKey writes key alone to dir/node.key (PKCS #8 PEM, mode 0600), for a
// node that has generated its key but is not enrolled yet.
func SaveKey(dir string, key ed25519.PrivateKey) error {
	return saveKeyAs(filepath.Join(dir, keyFile), key)
}

// saveKeyAs writes key to the file name (PKCS #8 PEM, mode 0600).
func saveKeyAs(name string, key ed25519.PrivateKey) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("trust: save key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("trust: save key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der})
	if err := writeFileAtomic(name, data, 0o600); err != nil {
		return fmt.Errorf("trust: save key: %w", err)
	}
	return nil
}

// LoadKey reads the key written by [SaveKey] or [Save] from dir. It fails
// wrapping [ErrNoIdentity] if the file is absent, [ErrMalformed] if it does
// not hold a PKCS #8 Ed25519 key.
func LoadKey(dir string) (ed25519.PrivateKey, error) {
	return loadKeyFrom(filepath.Join(dir, keyFile))
}

// loadKeyFrom reads a key written by saveKeyAs.
func loadKeyFrom(name string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("trust: load key: %w: %w", ErrNoIdentity, err)
	}
	if err != nil {
		return nil, fmt.Errorf("trust: load key: %w", err)
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != pemPrivateKey || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("trust: load key: %w: %s must hold exactly one %q PEM block", ErrMalformed, name, pemPrivateKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("trust: load key: %w: %s: %w", ErrMalformed, name, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("trust: load key: %w: %s holds a %T, want Ed25519", ErrMalformed, name, k)
	}
	return key, nil
}

// Load reads the identity written by [Save] from dir and checks that the
// leaf certificate certifies the key. It fails wrapping [ErrNoIdentity] if
// either file is absent (a node with a key but no certificate is not
// enrolled yet), [ErrKeyMismatch] if the pair does not match. It does not
// verify the chain; that depends on the roots and the time of use.
func Load(dir string) (Identity, error) {
	key, err := LoadKey(dir)
	if err != nil {
		return Identity{}, err
	}
	name := filepath.Join(dir, certFile)
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return Identity{}, fmt.Errorf("trust: load: %w: %w", ErrNoIdentity, err)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("trust: load: %w", err)
	}
	chain, err := DecodeChainPEM(data)
	if err != nil {
		return Identity{}, fmt.Errorf("trust: load %s: %w", name, err)
	}
	if !key.Public().(ed25519.PublicKey).Equal(chain[0].PublicKey) {
		// Save stopped between the chain and the key: the new key waits
		// beside the old one. Finish its work.
		next, err := loadKeyFrom(filepath.Join(dir, nextKeyFile))
		if err == nil && next.Public().(ed25519.PublicKey).Equal(chain[0].PublicKey) {
			if err := os.Rename(filepath.Join(dir, nextKeyFile), filepath.Join(dir, keyFile)); err != nil {
				return Identity{}, fmt.Errorf("trust: load: %w", err)
			}
			return Identity{Key: next, Chain: chain}, syncDir(dir)
		}
		return Identity{}, fmt.Errorf("trust: load: %w: %s does not certify the key in %s",
			ErrKeyMismatch, name, filepath.Join(dir, keyFile))
	}
	return Identity{Key: key, Chain: chain}, nil
}

// EncodeChainPEM encodes chain as concatenated CERTIFICATE PEM blocks, in
// order.
func EncodeChainPEM(chain []*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range chain {
		// Writing to a bytes.Buffer cannot fail.
		_ = pem.Encode(&buf, &pem.Block{Type: pemCertificate, Bytes: c.Raw})
	}
	return buf.Bytes()
}

// DecodeChainPEM decodes concatenated CERTIFICATE PEM blocks, in order. It
// fails wrapping [ErrMalformed] if there are none, if a block is of another
// type or does not parse, or if anything but whitespace is left over: a
// chain file is all certificates or it is damaged.
func DecodeChainPEM(data []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != pemCertificate {
			return nil, fmt.Errorf("%w: PEM block %d is %q, want %q", ErrMalformed, len(chain)+1, block.Type, pemCertificate)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %w", ErrMalformed, len(chain)+1, err)
		}
		chain = append(chain, c)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after certificate %d are not PEM", ErrMalformed, len(rest), len(chain))
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrMalformed)
	}
	return chain, nil
}

// writeFileAtomic replaces name with data: it writes a temporary file in the
// same directory, syncs it, renames it over name and syncs the directory, so
// that readers and crashes see the old or the new content, never a mix.
func writeFileAtomic(name string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(name)
	// CreateTemp makes the file with mode 0600, so a key is never readable
	// by others, not even briefly.
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), name); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
