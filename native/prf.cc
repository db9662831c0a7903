#include "prf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>
#include <string>

#include "common.h"
#include "xcbc.h"

namespace {

constexpr size_t kAesBlock = 16;
constexpr size_t kMaxPrfOutput = 64;  // HMAC-SHA2-512
constexpr size_t kPrfPlusMaxBlocks = 255;
constexpr size_t kFixedKeyNonceBytes = 8;  // RFC 7296 2.14: first 64 bits of Ni and of Nr

const uint8_t kZeroKey[kAesBlock] = {0};

// --- OpenSSL objects fetched once per process -------------------------------------------------
// Each MAC template is an initialised context (HMAC with a public one-byte dummy key, CMAC with the
// all-zero key that RFC 4615 uses to reduce odd-length keys); calls duplicate it, so nothing is
// fetched per call and no caller's key stays behind in a shared context.
struct Algorithms {
  EVP_MAC_CTX* hmac_sha1 = nullptr;
  EVP_MAC_CTX* hmac_sha256 = nullptr;
  EVP_MAC_CTX* hmac_sha384 = nullptr;
  EVP_MAC_CTX* hmac_sha512 = nullptr;
  EVP_MAC_CTX* cmac_aes128 = nullptr;
  EVP_CIPHER* aes128_ecb = nullptr;
};

EVP_MAC_CTX* NewHmacTemplate(EVP_MAC* hmac, const char* digest) {
  if (hmac == nullptr) return nullptr;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac);
  if (ctx == nullptr) return nullptr;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
                         OSSL_PARAM_construct_end()};
  const uint8_t dummy = 0;
  if (!EVP_MAC_init(ctx, &dummy, 1, params)) {
    EVP_MAC_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

EVP_MAC_CTX* NewCmacTemplate(EVP_MAC* cmac) {
  if (cmac == nullptr) return nullptr;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(cmac);
  if (ctx == nullptr) return nullptr;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, const_cast<char*>("AES-128-CBC"), 0),
      OSSL_PARAM_construct_end()};
  if (!EVP_MAC_init(ctx, kZeroKey, sizeof kZeroKey, params)) {
    EVP_MAC_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

Algorithms LoadAlgorithms() {
  Algorithms a;
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  a.hmac_sha1 = NewHmacTemplate(hmac, "SHA1");
  a.hmac_sha256 = NewHmacTemplate(hmac, "SHA2-256");
  a.hmac_sha384 = NewHmacTemplate(hmac, "SHA2-384");
  a.hmac_sha512 = NewHmacTemplate(hmac, "SHA2-512");
  EVP_MAC_free(hmac);  // the contexts keep their own references
  EVP_MAC* cmac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  a.cmac_aes128 = NewCmacTemplate(cmac);
  EVP_MAC_free(cmac);
  a.aes128_ecb = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  return a;
}

// Process-lifetime objects; the function-local static makes the first use thread-safe.
const Algorithms& Algs() {
  static const Algorithms algorithms = LoadAlgorithms();
  return algorithms;
}

const EVP_MAC_CTX* MacTemplate(uint32_t id) {
  const Algorithms& a = Algs();
  switch (id) {
    case kPrfHmacSha1: return a.hmac_sha1;
    case kPrfHmacSha2_256: return a.hmac_sha256;
    case kPrfHmacSha2_384: return a.hmac_sha384;
    case kPrfHmacSha2_512: return a.hmac_sha512;
    case kPrfAes128Cmac: return a.cmac_aes128;
    default: return nullptr;
  }
}

// --- One keyed PRF, restartable with the same key (PRF+ iterates on it) ------------------------
class Prf {
 public:
  explicit Prf(uint32_t id) : id_(id), out_len_(PrfOutputLength(id)) {}
  ~Prf() { EVP_MAC_CTX_free(mac_); }
  Prf(const Prf&) = delete;
  Prf& operator=(const Prf&) = delete;

  size_t out_len() const { return out_len_; }

  bool SetKey(ByteSpan key) {
    if (id_ == kPrfAes128Xcbc) return SetXcbcKey(key);
    const EVP_MAC_CTX* tmpl = MacTemplate(id_);
    if (tmpl == nullptr) return false;
    mac_ = EVP_MAC_CTX_dup(tmpl);
    if (mac_ == nullptr) return false;
    if (id_ == kPrfAes128Cmac && key.size != kAesBlock) {
      // RFC 4615 section 3: any key that is not 128 bits becomes AES-CMAC(0^128, key); the
      // template is already keyed with 0^128.
      uint8_t reduced[kAesBlock];
      size_t n = 0;
      bool ok = EVP_MAC_update(mac_, key.data, key.size) && EVP_MAC_final(mac_, reduced, &n, sizeof reduced) &&
                n == kAesBlock && EVP_MAC_init(mac_, reduced, kAesBlock, nullptr);
      OPENSSL_cleanse(reduced, sizeof reduced);
      return ok;
    }
    // HMAC never sees a null key pointer here (a null key would mean "keep the old key").
    static const uint8_t kEmpty = 0;
    return EVP_MAC_init(mac_, key.size ? key.data : &kEmpty, key.size, nullptr);
  }

  bool Restart() {
    if (id_ == kPrfAes128Xcbc) {
      xcbc_.Restart();
      return true;
    }
    return EVP_MAC_init(mac_, nullptr, 0, nullptr);  // same key, fresh state
  }

  bool Update(const uint8_t* data, size_t size) {
    if (size == 0) return true;
    if (id_ == kPrfAes128Xcbc) return xcbc_.Update(data, size);
    return EVP_MAC_update(mac_, data, size);
  }

  bool Final(uint8_t* out) {
    if (id_ == kPrfAes128Xcbc) return xcbc_.Final(out);
    size_t n = 0;
    return EVP_MAC_final(mac_, out, &n, out_len_) && n == out_len_;
  }

 private:
  // RFC 4434 section 2: a 128-bit key as is, a shorter one padded with zeros, a longer one reduced
  // to AES-XCBC-PRF-128(0^128, key).
  bool SetXcbcKey(ByteSpan key) {
    uint8_t k[kAesBlock] = {0};
    bool ok = true;
    if (key.size > kAesBlock) {
      Xcbc zero;
      ok = zero.SetKey(kZeroKey) && zero.Update(key.data, key.size) && zero.Final(k);
    } else if (key.size > 0) {
      std::memcpy(k, key.data, key.size);
    }
    ok = ok && xcbc_.SetKey(k);
    OPENSSL_cleanse(k, sizeof k);
    return ok;
  }

  uint32_t id_;
  size_t out_len_;
  EVP_MAC_CTX* mac_ = nullptr;
  Xcbc xcbc_;
};

bool UpdateParts(Prf& prf, const ByteSpan* parts, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (!prf.Update(parts[i].data, parts[i].size)) return false;
  }
  return true;
}

PrfStatus CheckKey(uint32_t id, ByteSpan key) {
  if (PrfOutputLength(id) == 0) return PrfStatus::kUnknownPrf;
  // An empty key is never valid in IKEv2 and is what a wiped SecretBytes looks like.
  if (key.size == 0 || key.data == nullptr) return PrfStatus::kBadLength;
  return PrfStatus::kOk;
}

}  // namespace

size_t PrfOutputLength(uint32_t id) {
  switch (id) {
    case kPrfHmacSha1: return 20;
    case kPrfAes128Xcbc: return 16;
    case kPrfHmacSha2_256: return 32;
    case kPrfHmacSha2_384: return 48;
    case kPrfHmacSha2_512: return 64;
    case kPrfAes128Cmac: return 16;
    default: return 0;
  }
}

size_t PrfPlusMaxLength(uint32_t id) { return PrfOutputLength(id) * kPrfPlusMaxBlocks; }

const char* PrfStatusMessage(PrfStatus status) {
  switch (status) {
    case PrfStatus::kOk: return "ok";
    case PrfStatus::kUnknownPrf: return "unknown PRF transform id";
    case PrfStatus::kBadLength: return "bad length";
    case PrfStatus::kCryptoError: return "PRF computation failed";
  }
  return "unknown status";
}

PrfStatus PrfCompute(uint32_t id, ByteSpan key, const ByteSpan* parts, size_t count, uint8_t* out) {
  PrfStatus status = CheckKey(id, key);
  if (status != PrfStatus::kOk) return status;
  Prf prf(id);
  if (!prf.SetKey(key) || !UpdateParts(prf, parts, count) || !prf.Final(out)) return PrfStatus::kCryptoError;
  return PrfStatus::kOk;
}

PrfStatus PrfPlus(uint32_t id, ByteSpan key, const ByteSpan* seed, size_t count, uint8_t* out, size_t length) {
  PrfStatus status = CheckKey(id, key);
  if (status != PrfStatus::kOk) return status;
  if (length > PrfPlusMaxLength(id)) return PrfStatus::kBadLength;
  Prf prf(id);
  if (!prf.SetKey(key)) return PrfStatus::kCryptoError;
  const size_t block = prf.out_len();
  uint8_t t[kMaxPrfOutput];
  size_t done = 0;
  bool ok = true;
  // T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n); the key schedule is computed once.
  for (size_t n = 1; ok && done < length; n++) {
    const uint8_t counter = static_cast<uint8_t>(n);
    ok = (n == 1 || (prf.Restart() && prf.Update(t, block))) && UpdateParts(prf, seed, count) &&
         prf.Update(&counter, 1) && prf.Final(t);
    if (!ok) break;
    size_t take = length - done < block ? length - done : block;
    std::memcpy(out + done, t, take);
    done += take;
  }
  OPENSSL_cleanse(t, sizeof t);
  if (!ok) {
    OPENSSL_cleanse(out, length);
    return PrfStatus::kCryptoError;
  }
  return PrfStatus::kOk;
}

PrfStatus IkeSkeyseed(uint32_t id, ByteSpan ni, ByteSpan nr, ByteSpan gir, SecureBuffer* out) {
  const size_t len = PrfOutputLength(id);
  if (len == 0) return PrfStatus::kUnknownPrf;
  if (gir.size == 0 || ni.size == 0 || nr.size == 0) return PrfStatus::kBadLength;
  const bool fixed_key = id == kPrfAes128Xcbc || id == kPrfAes128Cmac;
  if (fixed_key && (ni.size < kFixedKeyNonceBytes || nr.size < kFixedKeyNonceBytes)) return PrfStatus::kBadLength;
  // The key is Ni | Nr (only their first 64 bits each for XCBC and CMAC); nonces are public, so a
  // plain buffer is fine, but it is cleansed anyway as it keys the secret SKEYSEED computation.
  const size_t ni_len = fixed_key ? kFixedKeyNonceBytes : ni.size;
  const size_t nr_len = fixed_key ? kFixedKeyNonceBytes : nr.size;
  SecureBuffer key(ni_len + nr_len);
  std::memcpy(key.data(), ni.data, ni_len);
  std::memcpy(key.data() + ni_len, nr.data, nr_len);
  SecureBuffer result(len);
  PrfStatus status = PrfCompute(id, ByteSpan{key.data(), key.size()}, &gir, 1, result.data());
  if (status == PrfStatus::kOk) *out = std::move(result);
  return status;
}

PrfStatus IkeRekeySkeyseed(uint32_t id, ByteSpan old_sk_d, ByteSpan gir, ByteSpan ni, ByteSpan nr,
                           SecureBuffer* out) {
  const size_t len = PrfOutputLength(id);
  if (len == 0) return PrfStatus::kUnknownPrf;
  if (gir.size == 0 || ni.size == 0 || nr.size == 0) return PrfStatus::kBadLength;
  const ByteSpan parts[] = {gir, ni, nr};
  SecureBuffer result(len);
  PrfStatus status = PrfCompute(id, old_sk_d, parts, 3, result.data());
  if (status == PrfStatus::kOk) *out = std::move(result);
  return status;
}

PrfStatus IkeKeymat(uint32_t id, ByteSpan skeyseed, ByteSpan ni, ByteSpan nr, ByteSpan spi_i, ByteSpan spi_r,
                    size_t length, SecureBuffer* out) {
  if (PrfOutputLength(id) == 0) return PrfStatus::kUnknownPrf;
  if (ni.size == 0 || nr.size == 0 || spi_i.size != 8 || spi_r.size != 8) return PrfStatus::kBadLength;
  const ByteSpan seed[] = {ni, nr, spi_i, spi_r};
  SecureBuffer result(length);
  PrfStatus status = PrfPlus(id, skeyseed, seed, 4, result.data(), length);
  if (status == PrfStatus::kOk) *out = std::move(result);
  return status;
}

PrfStatus ChildKeymat(uint32_t id, ByteSpan sk_d, const ByteSpan* gir, ByteSpan ni, ByteSpan nr, size_t length,
                      SecureBuffer* out) {
  if (PrfOutputLength(id) == 0) return PrfStatus::kUnknownPrf;
  if (ni.size == 0 || nr.size == 0 || (gir != nullptr && gir->size == 0)) return PrfStatus::kBadLength;
  ByteSpan seed[3];
  size_t count = 0;
  if (gir != nullptr) seed[count++] = *gir;
  seed[count++] = ni;
  seed[count++] = nr;
  SecureBuffer result(length);
  PrfStatus status = PrfPlus(id, sk_d, seed, count, result.data(), length);
  if (status == PrfStatus::kOk) *out = std::move(result);
  return status;
}

// --- N-API wrappers ----------------------------------------------------------------------------
namespace {

bool GetPrfId(Napi::Env env, const Napi::Value& value, uint32_t* id) {
  if (!GetUint32(env, value, "prf id", id)) return false;
  if (PrfOutputLength(*id) == 0) {
    ThrowError(env, "ERR_IPSEC_UNKNOWN_PRF", "unknown PRF transform id " + std::to_string(*id) +
                                                 " (known: 2 HMAC_SHA1, 4 AES128_XCBC, 5 HMAC_SHA2_256, "
                                                 "6 HMAC_SHA2_384, 7 HMAC_SHA2_512, 8 AES128_CMAC)");
    return false;
  }
  return true;
}

bool GetSpan(Napi::Env env, const Napi::Value& value, const char* what, ByteSpan* out) {
  ByteView view;
  if (!GetBytes(env, value, what, &view)) return false;
  *out = ByteSpan{view.data, view.size};
  return true;
}

// Turns a failed status into a JavaScript error; `what` names the operation and the rule broken.
void ThrowStatus(Napi::Env env, PrfStatus status, const std::string& what) {
  switch (status) {
    case PrfStatus::kOk: return;
    case PrfStatus::kUnknownPrf: ThrowError(env, "ERR_IPSEC_UNKNOWN_PRF", what + ": unknown PRF transform id"); return;
    case PrfStatus::kBadLength: ThrowError(env, "ERR_IPSEC_BAD_LENGTH", what); return;
    case PrfStatus::kCryptoError: ThrowOpenSslError(env, what); return;
  }
}

std::string TooLong(uint32_t id, size_t length) {
  return "exceeds the prf+ limit of 255 blocks of " + std::to_string(PrfOutputLength(id)) + " bytes (" +
         std::to_string(PrfPlusMaxLength(id)) + " bytes): " + std::to_string(length) + " bytes asked";
}

// prfCompute(id, key, data): Buffer, for PRF outputs that are public (the AUTH payload);
// prfComputeSecret(id, key, data): SecretBytes.
template <bool kSecret>
Napi::Value PrfComputeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  ByteSpan key, data;
  if (!GetPrfId(env, info[0], &id) || !GetSpan(env, info[1], "key", &key) || !GetSpan(env, info[2], "data", &data))
    return env.Null();
  SecureBuffer out(PrfOutputLength(id));
  PrfStatus status = PrfCompute(id, key, &data, 1, out.data());
  if (status != PrfStatus::kOk) {
    ThrowStatus(env, status, "prf: the key must not be empty");
    return env.Null();
  }
  if (kSecret) return SecretBytes::NewInstance(env, std::move(out));
  return CopyToBuffer(env, out.data(), out.size());
}

// prfPlus(id, key, seed, length): SecretBytes.
Napi::Value PrfPlusJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  ByteSpan key, seed;
  size_t length = 0;
  if (!GetPrfId(env, info[0], &id) || !GetSpan(env, info[1], "key", &key) || !GetSpan(env, info[2], "seed", &seed) ||
      !GetSize(env, info[3], "length", &length))
    return env.Null();
  if (length > PrfPlusMaxLength(id)) {
    ThrowError(env, "ERR_IPSEC_BAD_LENGTH", "prf+ output " + TooLong(id, length));
    return env.Null();
  }
  SecureBuffer out(length);
  PrfStatus status = PrfPlus(id, key, &seed, 1, out.data(), length);
  if (status != PrfStatus::kOk) {
    ThrowStatus(env, status, "prf+: the key must not be empty");
    return env.Null();
  }
  return SecretBytes::NewInstance(env, std::move(out));
}

const char kNonceRule[] =
    "Ni and Nr must not be empty (at least 8 bytes each for AES-XCBC and AES-CMAC), nor g^ir";

// prfSkeyseed(id, ni, nr, gir): SecretBytes.
Napi::Value SkeyseedJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  ByteSpan ni, nr, gir;
  if (!GetPrfId(env, info[0], &id) || !GetSpan(env, info[1], "ni", &ni) || !GetSpan(env, info[2], "nr", &nr) ||
      !GetSpan(env, info[3], "gir", &gir))
    return env.Null();
  SecureBuffer out;
  PrfStatus status = IkeSkeyseed(id, ni, nr, gir, &out);
  if (status != PrfStatus::kOk) {
    ThrowStatus(env, status, std::string("SKEYSEED: ") + kNonceRule);
    return env.Null();
  }
  return SecretBytes::NewInstance(env, std::move(out));
}

// prfRekeySkeyseed(id, oldSkD, gir, ni, nr): SecretBytes.
Napi::Value RekeySkeyseedJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  ByteSpan sk_d, gir, ni, nr;
  if (!GetPrfId(env, info[0], &id) || !GetSpan(env, info[1], "oldSkD", &sk_d) ||
      !GetSpan(env, info[2], "gir", &gir) || !GetSpan(env, info[3], "ni", &ni) || !GetSpan(env, info[4], "nr", &nr))
    return env.Null();
  SecureBuffer out;
  PrfStatus status = IkeRekeySkeyseed(id, sk_d, gir, ni, nr, &out);
  if (status != PrfStatus::kOk) {
    ThrowStatus(env, status, "rekey SKEYSEED: SK_d, g^ir, Ni and Nr must not be empty");
    return env.Null();
  }
  return SecretBytes::NewInstance(env, std::move(out));
}

// prfDeriveIkeKeys(id, skeyseed, ni, nr, spiI, spiR, integLength, encrLength):
//   { d, ai, ar, ei, er, pi, pr } of SecretBytes, sliced from one prf+ run in native memory.
Napi::Value DeriveIkeKeysJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  ByteSpan skeyseed, ni, nr, spi_i, spi_r;
  size_t integ = 0, encr = 0;
  if (!GetPrfId(env, info[0], &id) || !GetSpan(env, info[1], "skeyseed", &skeyseed) ||
      !GetSpan(env, info[2], "ni", &ni) || !GetSpan(env, info[3], "nr", &nr) ||
      !GetSpan(env, info[4], "spiI", &spi_i) || !GetSpan(env, info[5], "spiR", &spi_r) ||
      !GetSize(env, info[6], "integ length", &integ) || !GetSize(env, info[7], "encr length", &encr))
    return env.Null();
  const size_t prf_len = PrfOutputLength(id);
  const size_t limit = PrfPlusMaxLength(id);
  // Both lengths are checked alone first so the sum cannot overflow.
  const size_t total = integ > limit || encr > limit ? limit + 1 : 3 * prf_len + 2 * integ + 2 * encr;
  if (total > limit) {
    ThrowError(env, "ERR_IPSEC_BAD_LENGTH", "IKE SA keys: 3 PRF keys + 2 x integ + 2 x encr " + TooLong(id, total));
    return env.Null();
  }
  SecureBuffer keymat;
  PrfStatus status = IkeKeymat(id, skeyseed, ni, nr, spi_i, spi_r, total, &keymat);
  if (status != PrfStatus::kOk) {
    ThrowStatus(env, status, "IKE SA keys: SKEYSEED, Ni and Nr must not be empty and SPIi and SPIr must be 8 bytes");
    return env.Null();
  }
  const struct {
    const char* name;
    size_t size;
  } layout[] = {{"d", prf_len}, {"ai", integ}, {"ar", integ}, {"ei", encr},
                {"er", encr},   {"pi", prf_len}, {"pr", prf_len}};
  Napi::Object keys = Napi::Object::New(env);
  size_t offset = 0;
  for (const auto& part : layout) {
    Napi::Object secret = SecretBytes::NewInstance(env, keymat.Slice(offset, part.size));
    if (secret.IsEmpty()) return env.Null();
    keys.Set(part.name, secret);
    offset += part.size;
  }
  return keys;
}

// prfChildKeymat(id, skD, ni, nr, length, gir?): SecretBytes.
Napi::Value ChildKeymatJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  ByteSpan sk_d, ni, nr, gir;
  size_t length = 0;
  if (!GetPrfId(env, info[0], &id) || !GetSpan(env, info[1], "skD", &sk_d) || !GetSpan(env, info[2], "ni", &ni) ||
      !GetSpan(env, info[3], "nr", &nr) || !GetSize(env, info[4], "length", &length))
    return env.Null();
  const bool pfs = info.Length() > 5 && !info[5].IsUndefined();
  if (pfs && !GetSpan(env, info[5], "gir", &gir)) return env.Null();
  if (length > PrfPlusMaxLength(id)) {
    ThrowError(env, "ERR_IPSEC_BAD_LENGTH", "prf+ output " + TooLong(id, length));
    return env.Null();
  }
  SecureBuffer out;
  PrfStatus status = ChildKeymat(id, sk_d, pfs ? &gir : nullptr, ni, nr, length, &out);
  if (status != PrfStatus::kOk) {
    ThrowStatus(env, status, "child SA KEYMAT: SK_d, Ni, Nr and (with PFS) g^ir must not be empty");
    return env.Null();
  }
  return SecretBytes::NewInstance(env, std::move(out));
}

}  // namespace

void InitPrf(Napi::Env env, Napi::Object exports) {
  // Fetch the OpenSSL algorithms now, so a missing one fails at load time rather than mid-exchange.
  const Algorithms& a = Algs();
  if (!a.hmac_sha1 || !a.hmac_sha256 || !a.hmac_sha384 || !a.hmac_sha512 || !a.cmac_aes128 || !a.aes128_ecb) {
    ThrowOpenSslError(env, "PRF algorithms unavailable in this OpenSSL");
    return;
  }
  Napi::Object lengths = Napi::Object::New(env);
  for (uint32_t id : {kPrfHmacSha1, kPrfAes128Xcbc, kPrfHmacSha2_256, kPrfHmacSha2_384, kPrfHmacSha2_512,
                      kPrfAes128Cmac}) {
    lengths.Set(std::to_string(id), Napi::Number::New(env, static_cast<double>(PrfOutputLength(id))));
  }
  exports.Set("prfOutputLengths", lengths);
  exports.Set("prfCompute", Napi::Function::New(env, PrfComputeJs<false>, "prfCompute"));
  exports.Set("prfComputeSecret", Napi::Function::New(env, PrfComputeJs<true>, "prfComputeSecret"));
  exports.Set("prfPlus", Napi::Function::New(env, PrfPlusJs, "prfPlus"));
  exports.Set("prfSkeyseed", Napi::Function::New(env, SkeyseedJs, "prfSkeyseed"));
  exports.Set("prfRekeySkeyseed", Napi::Function::New(env, RekeySkeyseedJs, "prfRekeySkeyseed"));
  exports.Set("prfDeriveIkeKeys", Napi::Function::New(env, DeriveIkeKeysJs, "prfDeriveIkeKeys"));
  exports.Set("prfChildKeymat", Napi::Function::New(env, ChildKeymatJs, "prfChildKeymat"));
}
