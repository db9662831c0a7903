// One ESP SA direction (RFC 4303): seal (outbound) or open (inbound) packets in place in a caller-owned
// buffer. Keys are set up once when the SA is made; per packet only the IV/nonce is set and nothing is
// allocated (HMAC copies precomputed hash states, esp_hmac.h; ChaCha20-Poly1305 is composed from its two
// primitives, esp_chacha.h; AES-GCM and AES-CBC use OpenSSL's EVP ciphers keyed once).
//
// Threading: one thread at a time per EspSa (the data path gives each SA direction to one worker); Wipe
// only from that thread or once it stopped. Counters are relaxed atomics so that another thread (the
// control plane) may read them at any time.
//
// Transforms: AES-GCM-16 (RFC 4106), ChaCha20-Poly1305 (RFC 7634), AES-CBC (RFC 3602) or NULL (RFC 2410)
// with HMAC-SHA1-96 (RFC 2404) / HMAC-SHA2-256-128, -384-192, -512-256 (RFC 4868). ESN per RFC 4303.
#pragma once

#include <napi.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "esp_chacha.h"
#include "esp_hmac.h"
#include "replay.h"
#include "secret.h"

// IKEv2 transform ids (RFC 7296 §3.3.2, IANA "Transform Type 1/3").
enum EspEncr : int { kEncrNull = 11, kEncrAesCbc = 12, kEncrAesGcm16 = 20, kEncrChaCha20Poly1305 = 28 };
enum EspInteg : int { kIntegNone = 0, kIntegHmacSha1_96 = 2, kIntegHmacSha256_128 = 12, kIntegHmacSha384_192 = 13,
                      kIntegHmacSha512_256 = 14 };

enum class EspStatus : int {
  kOk = 0,
  kAuth = 1,         // ICV did not verify
  kReplay = 2,       // sequence number already received
  kTooOld = 3,       // sequence number left of the window (or 0)
  kBadSpi = 4,       // not this SA's SPI
  kMalformed = 5,    // too short, misaligned, bad lengths
  kPadding = 6,      // authentic but the pad bytes or pad length are wrong
  kSeqOverflow = 7,  // outbound: the sequence number space is used up (rekey)
  kNoRoom = 8,       // seal: the buffer has no room for header or trailer (a caller bug)
  kWiped = 9,        // the SA was wiped
  kWrongDirection = 10,
  kCrypto = 11,      // OpenSSL failed (should not happen)
};
const char* EspStatusName(EspStatus status);

struct EspConfig {
  uint32_t spi = 0;
  bool outbound = false;
  int encr = 0;
  int keyBits = 0;
  int integ = 0;
  const uint8_t* encrKeymat = nullptr;  // key ‖ salt for AEADs
  size_t encrKeymatLength = 0;
  const uint8_t* integKey = nullptr;
  size_t integKeyLength = 0;
  bool esn = false;
  uint32_t replayWindow = 0;
  // Out: the last sequence number already sent; in: every number up to this one counts as received.
  uint64_t initialSeq = 0;
};

struct EspKeymatLengths {
  size_t encr = 0;
  size_t integ = 0;
};
// False (and a reason) if the combination is not supported.
bool EspKeymatLengthsFor(int encr, int keyBits, int integ, EspKeymatLengths* out, std::string* error);

struct EspOpenResult {
  size_t payloadOffset = 0;
  size_t payloadLength = 0;
  uint8_t nextHeader = 0;
  uint64_t seq = 0;
};

struct EspCounterValues {
  uint64_t packets, bytes, authFailures, replayDrops, tooOld, malformed, badSpi, seqOverflow;
};

class EspSa {
 public:
  // nullptr and `error` set if the configuration is wrong (lengths, unknown transform, OpenSSL failure).
  static std::unique_ptr<EspSa> Create(const EspConfig& config, std::string* error);
  ~EspSa();
  EspSa(const EspSa&) = delete;
  EspSa& operator=(const EspSa&) = delete;

  uint32_t spi() const { return spi_; }
  bool outbound() const { return outbound_; }
  // SPI + sequence number + IV: room the caller leaves before the payload for seal.
  size_t headerLength() const { return 8 + ivLength_; }
  // Most bytes seal may add after the payload: padding, pad length, next header, ICV.
  size_t trailerMax() const { return blockSize_ - 1 + 2 + icvLength_; }
  size_t icvLength() const { return icvLength_; }
  // The length of the ESP packet Seal makes of `payloadLength` octets (header, payload, padding, trailer, ICV).
  size_t sealedLength(size_t payloadLength) const {
    return headerLength() + payloadLength + (blockSize_ - (payloadLength + 2) % blockSize_) % blockSize_ + 2 + icvLength_;
  }

  // Writes the ESP header at payloadOffset - headerLength() and the trailer after the payload, encrypts
  // and authenticates in place; *outOffset/*outLength locate the ESP packet (starting with the SPI).
  // ChaCha20-Poly1305 may borrow up to 64 octets of buf before the payload and 63 after its trailer as
  // working space during the call; it puts them back before returning (nothing outside buf is touched).
  EspStatus Seal(uint8_t* buf, size_t bufLength, size_t payloadOffset, size_t payloadLength, uint8_t nextHeader,
                 size_t* outOffset, size_t* outLength);
  // Checks and decrypts the ESP packet at buf[offset, offset + length) in place.
  EspStatus Open(uint8_t* buf, size_t bufLength, size_t offset, size_t length, EspOpenResult* out);

  EspCounterValues counters() const;
  // Frees the OpenSSL contexts (which cleanse their key schedules) and wipes the keys; later calls fail.
  void Wipe();
  bool wiped() const { return wiped_; }

 private:
  EspSa() = default;
  bool Init(const EspConfig& config, std::string* error);
  size_t Aad(uint64_t seq, uint8_t* aad) const;
  void Mac(const uint8_t* data, size_t length, uint32_t seqHigh, uint8_t* icv);
  bool EncryptAndMacCbc(uint8_t* esp, size_t textLength, uint64_t seq, uint8_t* icv);
  // roomBefore/roomAfter: octets of the buffer around data that ChaCha20-Poly1305 may borrow (esp_chacha.h).
  bool AeadCrypt(bool encrypt, const uint8_t* aad, size_t aadLength, const uint8_t* explicitIv, uint8_t* data,
                 size_t length, uint8_t* tag, size_t roomBefore = 0, size_t roomAfter = 0);
  EspStatus Drop(EspStatus status);

  uint32_t spi_ = 0;
  bool outbound_ = false;
  bool esn_ = false;
  bool aead_ = false;
  int encr_ = 0;
  size_t ivLength_ = 0;
  size_t blockSize_ = 4;
  size_t icvLength_ = 0;
  bool wiped_ = false;

  EVP_CIPHER_CTX* cipher_ = nullptr;  // AES-GCM or AES-CBC, keyed once
  EVP_CIPHER_CTX* ivGen_ = nullptr;   // CBC: AES-ECB under a random per-SA key, encrypts the sequence number
  std::unique_ptr<EspChaChaPoly> chacha_;  // ChaCha20-Poly1305 instead of cipher_
  EspHmac hmac_;                // CBC and NULL: keyed once
  SecureBuffer salt_;           // AEAD nonce salt (4 octets)

  uint64_t seq_ = 0;  // outbound: the last sequence number used
  std::unique_ptr<ReplayWindow> replay_;

  struct Counters {
    std::atomic<uint64_t> packets{0}, bytes{0}, authFailures{0}, replayDrops{0}, tooOld{0}, malformed{0}, badSpi{0},
        seqOverflow{0};
  } counters_;
};

void InitEsp(Napi::Env env, Napi::Object exports);
