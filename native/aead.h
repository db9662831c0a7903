// The IKEv2 SK payload ciphers (RFC 7296 §3.14): encryption plus integrity of one direction of one IKE SA.
//
// SkCipherCore is plain C++ (no napi types) so data-path threads can use it; one instance is not
// thread-safe (its OpenSSL contexts are reused per message), so each thread owns its own.
// The N-API class `SkCipher` in aead.cc is a thin wrapper over it.
#pragma once

#include <napi.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "secret.h"
#include "xcbc.h"

namespace sk {

// IKEv2 transform ids (IANA "Transform Type 1/3").
enum Encr : int {
  kEncrAesCbc = 12,
  kEncrAesCtr = 13,
  kEncrAesGcm8 = 18,
  kEncrAesGcm12 = 19,
  kEncrAesGcm16 = 20,
  kEncrChacha20Poly1305 = 28,
};
enum Integ : int {
  kIntegNone = 0,
  kIntegHmacSha1_96 = 2,
  kIntegAesXcbc96 = 5,
  kIntegHmacSha2_256_128 = 12,
  kIntegHmacSha2_384_192 = 13,
  kIntegHmacSha2_512_256 = 14,
};

struct Sizes {
  size_t encr_keymat = 0;  // key ‖ salt/nonce (the salt is 4 octets for CTR, GCM and ChaCha20-Poly1305)
  size_t integ_key = 0;    // 0 for AEAD ciphers
  size_t iv = 0;           // octets of IV on the wire
  size_t icv = 0;          // octets of ICV on the wire (AEAD tag or truncated MAC)
  size_t block = 0;        // the plaintext must be a multiple of this (1 for stream modes)
  bool aead = false;
};

// Fills `out` for a valid (encr, key bits, integ) combination and returns nullptr, or returns why it is
// invalid. ChaCha20-Poly1305 accepts key bits 0 (no Key Length attribute) or 256.
const char* ComputeSizes(int encr, int key_bits, int integ, Sizes* out);

enum class Status {
  kOk,
  kIntegrityFailure,   // ICV mismatch: a normal network event, not an error
  kBadLength,          // offsets / lengths do not fit the buffer, or cannot hold IV + ICV
  kNotBlockAligned,    // CBC plaintext / ciphertext not a whole number of blocks
  kIvExhausted,        // the per-SA IV counter is spent: the SA must be rekeyed
  kWiped,              // used after Wipe()
  kCryptoFailure,      // OpenSSL refused (see LastOpenSslError())
};
const char* StatusCode(Status status);     // "ERR_IPSEC_..."
const char* StatusMessage(Status status);

class SkCipherCore {
 public:
  SkCipherCore() = default;
  ~SkCipherCore();
  SkCipherCore(const SkCipherCore&) = delete;
  SkCipherCore& operator=(const SkCipherCore&) = delete;

  // Keys the contexts once. Returns nullptr on success, or a message (never containing key bytes).
  const char* Init(int encr, int key_bits, int integ, const uint8_t* encr_keymat, size_t encr_keymat_len,
                   const uint8_t* integ_key, size_t integ_key_len);

  const Sizes& sizes() const { return sizes_; }

  // message = [aad 0..iv_offset) [IV] [plaintext] [room for ICV]; `capacity` is the buffer size.
  // Writes the IV (explicit `iv` if non-null, else random for CBC / the SA counter otherwise), encrypts
  // the plaintext in place and writes the ICV. *total = iv_offset + iv + plaintext + icv.
  Status Seal(uint8_t* message, size_t capacity, size_t iv_offset, size_t plaintext_len, const uint8_t* iv,
              size_t* total);
  // Verifies the ICV over [0, total - icv) (before decrypting, for CBC/CTR) and decrypts in place.
  // On kIntegrityFailure nothing is decrypted (CBC/CTR) or the decrypted bytes are zeroed (AEAD).
  Status Open(uint8_t* message, size_t capacity, size_t iv_offset, size_t total, size_t* plaintext_len);

  // Frees every keyed context and key copy now; later calls return kWiped.
  void Wipe();
  bool wiped() const { return wiped_; }

 private:
  Status NextIv(uint8_t* iv);
  bool SetCipherIv(EVP_CIPHER_CTX* ctx, bool encrypt, const uint8_t* wire_iv);
  bool Mac(const uint8_t* data, size_t len, uint8_t* icv);
  Status SealAead(uint8_t* message, size_t iv_offset, size_t plaintext_len);
  Status OpenAead(uint8_t* message, size_t iv_offset, size_t ciphertext_len);

  int encr_ = 0;
  int integ_ = 0;
  Sizes sizes_;
  EVP_CIPHER_CTX* enc_ = nullptr;  // keyed once; each message only sets the IV
  EVP_CIPHER_CTX* dec_ = nullptr;
  EVP_MAC_CTX* hmac_ = nullptr;    // keyed once; re-initialised with the same key per message
  std::unique_ptr<Xcbc> xcbc_;     // AUTH_AES_XCBC_96 (RFC 3566), keyed once; freed (and cleansed) on Wipe
  SecureBuffer salt_;              // 4-octet salt / nonce of CTR, GCM, ChaCha20-Poly1305
  uint64_t counter_ = 0;           // last IV counter used (counter modes); 0 = none yet
  bool wiped_ = false;
};

}  // namespace sk

void InitAead(Napi::Env env, Napi::Object exports);
