// The low-level SHA_CTX / SHA256_CTX / SHA512_CTX are plain structs that can be copied with no allocation,
// which is the whole point here; OpenSSL 3.0 marks them deprecated and binding.gyp hides deprecated API
// (OPENSSL_NO_DEPRECATED). Re-enable it for this one file only, before any OpenSSL header is seen.
#undef OPENSSL_NO_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED

#include "esp_hmac.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <type_traits>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace {

// CPUID leaf 7, EBX bit 29: the SHA extensions, which OpenSSL uses for SHA-1 and SHA-256 when present.
bool CpuHasShaExtensions() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((b >> 29) & 1) != 0;
#else
  return false;  // other CPUs: not measured, keep one pass
#endif
}

constexpr size_t kMaxBlock = 128;  // SHA-384/512 block; SHA-1/256 use 64
constexpr size_t kMaxDigest = 64;

// One hash family: its context type and functions, for the template below.
struct Sha1 {
  using Ctx = SHA_CTX;
  static constexpr size_t kBlock = 64, kDigest = 20;
  static int Init(Ctx* c) { return SHA1_Init(c); }
  static int Update(Ctx* c, const void* d, size_t n) { return SHA1_Update(c, d, n); }
  static int Final(uint8_t* md, Ctx* c) { return SHA1_Final(md, c); }
};
struct Sha256 {
  using Ctx = SHA256_CTX;
  static constexpr size_t kBlock = 64, kDigest = 32;
  static int Init(Ctx* c) { return SHA256_Init(c); }
  static int Update(Ctx* c, const void* d, size_t n) { return SHA256_Update(c, d, n); }
  static int Final(uint8_t* md, Ctx* c) { return SHA256_Final(md, c); }
};
struct Sha384 {
  using Ctx = SHA512_CTX;
  static constexpr size_t kBlock = 128, kDigest = 48;
  static int Init(Ctx* c) { return SHA384_Init(c); }
  // SHA-384 is SHA-512 with other initial values and a shorter output (Final writes md_len octets).
  static int Update(Ctx* c, const void* d, size_t n) { return SHA512_Update(c, d, n); }
  static int Final(uint8_t* md, Ctx* c) { return SHA512_Final(md, c); }
};
struct Sha512 {
  using Ctx = SHA512_CTX;
  static constexpr size_t kBlock = 128, kDigest = 64;
  static int Init(Ctx* c) { return SHA512_Init(c); }
  static int Update(Ctx* c, const void* d, size_t n) { return SHA512_Update(c, d, n); }
  static int Final(uint8_t* md, Ctx* c) { return SHA512_Final(md, c); }
};

// RFC 2104: inner = H(K ^ ipad ‖ ...), outer = H(K ^ opad ‖ inner); the two padded-key blocks are absorbed here.
template <typename H>
bool Precompute(const uint8_t* key, size_t keyLength, typename H::Ctx* inner, typename H::Ctx* outer) {
  uint8_t k[kMaxBlock] = {0};
  bool ok = true;
  if (keyLength > H::kBlock) {  // never for ESP (keys are one digest long), but HMAC defines it
    typename H::Ctx c;
    ok = H::Init(&c) == 1 && H::Update(&c, key, keyLength) == 1 && H::Final(k, &c) == 1;
    OPENSSL_cleanse(&c, sizeof c);
  } else if (keyLength) {
    std::memcpy(k, key, keyLength);
  }
  uint8_t pad[kMaxBlock];
  for (size_t i = 0; i < H::kBlock; i++) pad[i] = k[i] ^ 0x36;
  ok = ok && H::Init(inner) == 1 && H::Update(inner, pad, H::kBlock) == 1;
  for (size_t i = 0; i < H::kBlock; i++) pad[i] = k[i] ^ 0x5c;
  ok = ok && H::Init(outer) == 1 && H::Update(outer, pad, H::kBlock) == 1;
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
  return ok;
}

template <typename H>
void FinishMac(typename H::Ctx* work, const typename H::Ctx& outer, const uint8_t* extra, size_t extraLength,
               uint8_t* icv, size_t icvLength) {
  static_assert(std::is_trivially_copyable<typename H::Ctx>::value, "hash contexts are copied per packet");
  uint8_t md[kMaxDigest];
  // The SHA*_ functions only fail on a null context; these never are.
  if (extraLength) H::Update(work, extra, extraLength);
  H::Final(md, work);
  *work = outer;
  H::Update(work, md, H::kDigest);
  H::Final(md, work);
  std::memcpy(icv, md, icvLength < H::kDigest ? icvLength : H::kDigest);
  // The working copy ends up holding states derived from the key; the inner digest is cheap to clear too.
  OPENSSL_cleanse(work, sizeof *work);
  OPENSSL_cleanse(md, sizeof md);
}

}  // namespace

// inner and outer: keyed once; work: the packet being MACed, a copy of inner (one thread at a time per SA).
struct EspHmac::State {
  union {
    struct { SHA_CTX inner, outer, work; } sha1;
    struct { SHA256_CTX inner, outer, work; } sha256;
    struct { SHA512_CTX inner, outer, work; } sha512;  // SHA-384 too
  };
};

void EspHmac::StateDeleter::operator()(State* s) const {
  OPENSSL_cleanse(s, sizeof *s);
  delete s;
}

EspHmac::EspHmac() = default;
EspHmac::~EspHmac() { Wipe(); }

bool EspHmac::Init(Digest digest, const uint8_t* key, size_t keyLength) {
  std::unique_ptr<State, StateDeleter> s(new State());
  bool ok = false;
  switch (digest) {
    case Digest::kSha1: ok = Precompute<Sha1>(key, keyLength, &s->sha1.inner, &s->sha1.outer); break;
    case Digest::kSha256: ok = Precompute<Sha256>(key, keyLength, &s->sha256.inner, &s->sha256.outer); break;
    case Digest::kSha384: ok = Precompute<Sha384>(key, keyLength, &s->sha512.inner, &s->sha512.outer); break;
    case Digest::kSha512: ok = Precompute<Sha512>(key, keyLength, &s->sha512.inner, &s->sha512.outer); break;
  }
  if (!ok) return false;
  digest_ = digest;
  static const bool shaExtensions = CpuHasShaExtensions();
  fastSingleBlocks_ = shaExtensions && (digest == Digest::kSha1 || digest == Digest::kSha256);
  state_ = std::move(s);
  return true;
}

void EspHmac::Begin() {
  State& s = *state_;
  switch (digest_) {
    case Digest::kSha1: s.sha1.work = s.sha1.inner; break;
    case Digest::kSha256: s.sha256.work = s.sha256.inner; break;
    case Digest::kSha384:
    case Digest::kSha512: s.sha512.work = s.sha512.inner; break;
  }
}

void EspHmac::Update(const uint8_t* data, size_t length) {
  State& s = *state_;
  switch (digest_) {
    case Digest::kSha1: Sha1::Update(&s.sha1.work, data, length); break;
    case Digest::kSha256: Sha256::Update(&s.sha256.work, data, length); break;
    case Digest::kSha384:
    case Digest::kSha512: Sha512::Update(&s.sha512.work, data, length); break;
  }
}

void EspHmac::Finish(const uint8_t* extra, size_t extraLength, uint8_t* icv, size_t icvLength) {
  State& s = *state_;
  switch (digest_) {
    case Digest::kSha1: FinishMac<Sha1>(&s.sha1.work, s.sha1.outer, extra, extraLength, icv, icvLength); break;
    case Digest::kSha256: FinishMac<Sha256>(&s.sha256.work, s.sha256.outer, extra, extraLength, icv, icvLength); break;
    case Digest::kSha384: FinishMac<Sha384>(&s.sha512.work, s.sha512.outer, extra, extraLength, icv, icvLength); break;
    case Digest::kSha512: FinishMac<Sha512>(&s.sha512.work, s.sha512.outer, extra, extraLength, icv, icvLength); break;
  }
}

void EspHmac::Compute(const uint8_t* data, size_t length, const uint8_t* extra, size_t extraLength, uint8_t* icv,
                      size_t icvLength) {
  Begin();
  Update(data, length);
  Finish(extra, extraLength, icv, icvLength);
}

void EspHmac::Wipe() { state_.reset(); }
