#include "esp.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstring>

#include "common.h"
#include "esp_transform.h"

using namespace esp_detail;

namespace {

// Relaxed increments: one writer per SA, readers only need an eventually consistent view.
inline void Bump(std::atomic<uint64_t>& c, uint64_t n = 1) { c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }

}  // namespace

const char* EspStatusName(EspStatus status) {
  switch (status) {
    case EspStatus::kOk: return "ok";
    case EspStatus::kAuth: return "auth";
    case EspStatus::kReplay: return "replay";
    case EspStatus::kTooOld: return "too-old";
    case EspStatus::kBadSpi: return "bad-spi";
    case EspStatus::kMalformed: return "malformed";
    case EspStatus::kPadding: return "padding";
    case EspStatus::kSeqOverflow: return "seq-overflow";
    case EspStatus::kNoRoom: return "no-room";
    case EspStatus::kWiped: return "wiped";
    case EspStatus::kWrongDirection: return "wrong-direction";
    case EspStatus::kCrypto: return "crypto";
  }
  return "unknown";
}

std::unique_ptr<EspSa> EspSa::Create(const EspConfig& config, std::string* error) {
  std::unique_ptr<EspSa> sa(new EspSa());
  if (!sa->Init(config, error)) return nullptr;
  return sa;
}

EspSa::~EspSa() { Wipe(); }

bool EspSa::Init(const EspConfig& c, std::string* error) {
  EspKeymatLengths lengths;
  if (!EspKeymatLengthsFor(c.encr, c.keyBits, c.integ, &lengths, error)) return false;
  if (c.encrKeymatLength != lengths.encr) {
    return *error = "encryption keymat must be " + std::to_string(lengths.encr) + " bytes", false;
  }
  if (c.integKeyLength != lengths.integ) {
    return *error = "integrity key must be " + std::to_string(lengths.integ) + " bytes", false;
  }
  if (c.replayWindow > ReplayWindow::kMaxSize) {
    return *error = "replay window must be at most " + std::to_string(ReplayWindow::kMaxSize), false;
  }
  spi_ = c.spi;
  outbound_ = c.outbound;
  esn_ = c.esn;
  encr_ = c.encr;
  aead_ = c.encr == kEncrAesGcm16 || c.encr == kEncrChaCha20Poly1305;
  if (!c.esn && c.initialSeq > 0xffffffffu) return *error = "initial sequence number beyond 2^32-1 without ESN", false;

  const size_t keyLength = static_cast<size_t>(c.keyBits) / 8;
  if (c.encr == kEncrChaCha20Poly1305) {
    chacha_.reset(new EspChaChaPoly());
    if (!chacha_->Init(c.encrKeymat, error)) return false;
  } else if (c.encr != kEncrNull) {
    EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, CipherName(c.encr, c.keyBits), nullptr);
    cipher_ = EVP_CIPHER_CTX_new();
    bool ok = cipher && cipher_ && EVP_CipherInit_ex2(cipher_, cipher, c.encrKeymat, nullptr, outbound_ ? 1 : 0, nullptr) == 1;
    EVP_CIPHER_free(cipher);
    if (!ok) return *error = "cannot set up " + std::string(CipherName(c.encr, c.keyBits)) + ": " + LastOpenSslError(), false;
    if (!aead_) {
      EVP_CIPHER_CTX_set_padding(cipher_, 0);
      ivLength_ = 16;
      blockSize_ = 16;
      if (outbound_) {
        // IVs must be unpredictable (RFC 3602): the sequence number encrypted under a random per-SA key.
        uint8_t ivKey[32];
        EVP_CIPHER* ecb = EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr);
        ivGen_ = EVP_CIPHER_CTX_new();
        ok = ecb && ivGen_ && RAND_bytes(ivKey, sizeof ivKey) == 1 &&
             EVP_EncryptInit_ex2(ivGen_, ecb, ivKey, nullptr, nullptr) == 1;
        OPENSSL_cleanse(ivKey, sizeof ivKey);
        EVP_CIPHER_free(ecb);
        if (!ok) return *error = "cannot set up the IV generator: " + LastOpenSslError(), false;
        EVP_CIPHER_CTX_set_padding(ivGen_, 0);
      }
    }
  }
  if (aead_) {
    salt_ = SecureBuffer(c.encrKeymat + keyLength, kAeadSalt);
    ivLength_ = kAeadIv;
    icvLength_ = kAeadIcv;
    blockSize_ = 4;
  } else {
    EspHmac::Digest digest = EspHmac::Digest::kSha256;
    size_t integKeyLength = 0;
    IntegDigest(c.integ, &digest, &integKeyLength, &icvLength_);
    // Only the precomputed inner and outer states are kept (wiped with the SA), not the key.
    if (!hmac_.Init(digest, c.integKey, c.integKeyLength)) return *error = "cannot set up HMAC", false;
  }
  if (outbound_) {
    seq_ = c.initialSeq;
  } else {
    replay_.reset(new ReplayWindow(c.replayWindow, c.esn));
    if (c.initialSeq) replay_->Reset(c.initialSeq);
  }
  return true;
}

void EspSa::Wipe() {
  EVP_CIPHER_CTX_free(cipher_);  // cleanses the key schedule
  EVP_CIPHER_CTX_free(ivGen_);
  cipher_ = ivGen_ = nullptr;
  chacha_.reset();  // its destructor frees the contexts and zeroes the scratch
  hmac_.Wipe();
  salt_.Wipe();
  wiped_ = true;
}

EspCounterValues EspSa::counters() const {
  auto r = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  return {r(counters_.packets), r(counters_.bytes),  r(counters_.authFailures), r(counters_.replayDrops),
          r(counters_.tooOld),  r(counters_.malformed), r(counters_.badSpi),    r(counters_.seqOverflow)};
}

EspStatus EspSa::Drop(EspStatus status) {
  switch (status) {
    case EspStatus::kAuth: Bump(counters_.authFailures); break;
    case EspStatus::kReplay: Bump(counters_.replayDrops); break;
    case EspStatus::kTooOld: Bump(counters_.tooOld); break;
    case EspStatus::kMalformed:
    case EspStatus::kPadding: Bump(counters_.malformed); break;
    case EspStatus::kBadSpi: Bump(counters_.badSpi); break;
    case EspStatus::kSeqOverflow: Bump(counters_.seqOverflow); break;
    default: break;
  }
  return status;
}

EspStatus EspSa::Seal(uint8_t* buf, size_t bufLength, size_t payloadOffset, size_t payloadLength, uint8_t nextHeader,
                      size_t* outOffset, size_t* outLength) {
  if (wiped_) return EspStatus::kWiped;
  if (!outbound_) return EspStatus::kWrongDirection;
  const size_t header = headerLength();
  if (payloadOffset < header || payloadOffset > bufLength || payloadLength > bufLength - payloadOffset ||
      payloadLength > 0x7fff0000u) {
    return EspStatus::kNoRoom;
  }
  const size_t padLength = (blockSize_ - (payloadLength + 2) % blockSize_) % blockSize_;
  const size_t textLength = payloadLength + padLength + 2;
  if (bufLength - payloadOffset < textLength + icvLength_) return EspStatus::kNoRoom;

  // Without ESN the counter must not cycle (RFC 4303 §3.3.3); with ESN it may use all 64 bits.
  if (esn_ ? seq_ == ~uint64_t{0} : seq_ >= 0xffffffffu) return Drop(EspStatus::kSeqOverflow);
  const uint64_t seq = ++seq_;

  uint8_t* esp = buf + payloadOffset - header;
  uint8_t* text = buf + payloadOffset;
  Put32(esp, spi_);
  Put32(esp + 4, static_cast<uint32_t>(seq));
  uint8_t* trailer = text + payloadLength;
  for (size_t i = 0; i < padLength; i++) trailer[i] = static_cast<uint8_t>(i + 1);
  trailer[padLength] = static_cast<uint8_t>(padLength);
  trailer[padLength + 1] = nextHeader;
  uint8_t* icv = text + textLength;

  if (aead_) {
    Put64(esp + 8, seq);  // the sequence number is the IV: unique per key (RFC 4106 §3.1)
    uint8_t aad[12];
    const size_t aadLength = Aad(seq, aad);
    if (!AeadCrypt(true, aad, aadLength, esp + 8, text, textLength, icv, payloadOffset,
                   bufLength - payloadOffset - textLength)) {
      return EspStatus::kCrypto;
    }
  } else {
    if (cipher_) {
      if (!EncryptAndMacCbc(esp, textLength, seq, icv)) return EspStatus::kCrypto;
    } else {
      Mac(esp, header + textLength, static_cast<uint32_t>(seq >> 32), icv);
    }
  }
  *outOffset = payloadOffset - header;
  *outLength = header + textLength + icvLength_;
  Bump(counters_.packets);
  Bump(counters_.bytes, payloadLength);
  return EspStatus::kOk;
}

EspStatus EspSa::Open(uint8_t* buf, size_t bufLength, size_t offset, size_t length, EspOpenResult* out) {
  if (wiped_) return EspStatus::kWiped;
  if (outbound_) return EspStatus::kWrongDirection;
  const size_t header = headerLength();
  if (offset > bufLength || length > bufLength - offset || length > 0x7fff0000u) return Drop(EspStatus::kMalformed);
  if (length < header + 2 + icvLength_) return Drop(EspStatus::kMalformed);
  uint8_t* esp = buf + offset;
  const size_t textLength = length - header - icvLength_;
  if (blockSize_ == 16 && textLength % 16 != 0) return Drop(EspStatus::kMalformed);  // CBC needs whole blocks
  if (Get32(esp) != spi_) return Drop(EspStatus::kBadSpi);

  const uint64_t seq = replay_->Infer(Get32(esp + 4));
  // Cheap check first so that floods of replays cost no crypto; the window moves only after the ICV.
  switch (replay_->Check(seq)) {
    case ReplayWindow::Result::kOk: break;
    case ReplayWindow::Result::kReplay: return Drop(EspStatus::kReplay);
    case ReplayWindow::Result::kTooOld: return Drop(EspStatus::kTooOld);
  }
  uint8_t* text = esp + header;
  uint8_t* icv = text + textLength;

  if (aead_) {
    uint8_t aad[12];
    const size_t aadLength = Aad(seq, aad);
    if (!AeadCrypt(false, aad, aadLength, esp + 8, text, textLength, icv)) {
      // Do not hand back unauthenticated plaintext: the caller's buffer had ciphertext, keep it opaque.
      OPENSSL_cleanse(text, textLength);
      return Drop(EspStatus::kAuth);
    }
  } else {
    uint8_t expected[kMaxIcv];
    Mac(esp, header + textLength, static_cast<uint32_t>(seq >> 32), expected);
    if (CRYPTO_memcmp(expected, icv, icvLength_) != 0) return Drop(EspStatus::kAuth);
    if (cipher_) {
      int outl = 0;
      if (EVP_CipherInit_ex2(cipher_, nullptr, nullptr, esp + 8, 0, nullptr) != 1 ||
          EVP_CipherUpdate(cipher_, text, &outl, text, static_cast<int>(textLength)) != 1) {
        return EspStatus::kCrypto;
      }
    }
  }

  // RFC 4303 §2.4: pad bytes are 1, 2, 3, ...; a wrong pad means a broken (if authentic) sender.
  const size_t padLength = text[textLength - 2];
  if (padLength + 2 > textLength) return Drop(EspStatus::kPadding);
  const size_t payloadLength = textLength - 2 - padLength;
  for (size_t i = 0; i < padLength; i++) {
    if (text[payloadLength + i] != static_cast<uint8_t>(i + 1)) return Drop(EspStatus::kPadding);
  }
  replay_->Update(seq);
  out->payloadOffset = offset + header;
  out->payloadLength = payloadLength;
  out->nextHeader = text[textLength - 1];
  out->seq = seq;
  Bump(counters_.packets);
  Bump(counters_.bytes, payloadLength);
  return EspStatus::kOk;
}

// ---- N-API face: programming SAs from TypeScript, tests, and the native benchmark loop ----

namespace {

const char kCtorName[] = "EspSa";
const napi_type_tag kEspSaTag = {0x8f31c840aad74871ULL, 0x844b594ae0c5f3a3ULL};

class EspSaWrap : public Napi::ObjectWrap<EspSaWrap> {
 public:
  // new EspSa(spi, outbound, encr, keyBits, integ, encrKeymat, integKey|undefined, esn, replayWindow, initialSeq)
  explicit EspSaWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EspSaWrap>(info) {
    Napi::Env env = info.Env();
    if (!TagInstance(env, info.This().As<Napi::Object>(), &kEspSaTag)) return;
    EspConfig c;
    uint32_t encr = 0, keyBits = 0, integ = 0;
    ByteView encrKeymat, integKey;
    if (!GetUint32(env, info[0], "spi", &c.spi) || !GetUint32(env, info[2], "encr", &encr) ||
        !GetUint32(env, info[3], "keyBits", &keyBits) || !GetUint32(env, info[4], "integ", &integ) ||
        !GetBytes(env, info[5], "encrKeymat", &encrKeymat)) {
      return;
    }
    if (!info[6].IsUndefined() && !GetBytes(env, info[6], "integKey", &integKey)) return;
    if (!GetUint32(env, info[8], "replayWindow", &c.replayWindow)) return;
    if (!info[9].IsBigInt()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "initialSeq must be a bigint");
      return;
    }
    bool lossless = false;
    c.initialSeq = info[9].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) {
      ThrowError(env, "ERR_OUT_OF_RANGE", "initialSeq must be in [0, 2^64)");
      return;
    }
    c.outbound = info[1].ToBoolean().Value();
    c.encr = static_cast<int>(encr);
    c.keyBits = static_cast<int>(keyBits);
    c.integ = static_cast<int>(integ);
    c.encrKeymat = encrKeymat.data;
    c.encrKeymatLength = encrKeymat.size;
    c.integKey = integKey.data;
    c.integKeyLength = integKey.size;
    c.esn = info[7].ToBoolean().Value();
    std::string error;
    sa_ = EspSa::Create(c, &error);
    if (!sa_) ThrowError(env, "ERR_IPSEC_ESP_CONFIG", error);
  }

  EspSa* sa() { return sa_.get(); }

 public:  // methods are bound by DefineClass in InitEsp
  bool Usable(Napi::Env env) {
    if (sa_ && !sa_->wiped()) return true;
    ThrowError(env, "ERR_IPSEC_SA_WIPED", "this ESP SA was wiped");
    return false;
  }
  // seal(buf, payloadOffset, payloadLength, nextHeader) -> ESP packet length (its offset is
  // payloadOffset - headerLength); throws on a caller error, returns -status for sequence overflow.
  Napi::Value Seal(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Usable(env)) return Napi::Value();
    MutableByteView buf;
    size_t offset = 0, length = 0;
    uint32_t nh = 0;
    if (!GetMutableBytes(env, info[0], "buf", &buf) || !GetSize(env, info[1], "payloadOffset", &offset) ||
        !GetSize(env, info[2], "payloadLength", &length) || !GetUint32(env, info[3], "nextHeader", &nh)) {
      return Napi::Value();
    }
    if (nh > 255) {
      ThrowError(env, "ERR_OUT_OF_RANGE", "nextHeader must be 0..255");
      return Napi::Value();
    }
    size_t outOffset = 0, outLength = 0;
    EspStatus st = sa_->Seal(buf.data, buf.size, offset, length, static_cast<uint8_t>(nh), &outOffset, &outLength);
    if (st == EspStatus::kOk) return Napi::Number::New(env, static_cast<double>(outLength));
    if (st == EspStatus::kNoRoom) {
      ThrowError(env, "ERR_IPSEC_ESP_NO_ROOM",
                 "seal needs headerLength bytes before the payload and trailerMax bytes after it inside buf");
    } else if (st == EspStatus::kSeqOverflow) {
      ThrowError(env, "ERR_IPSEC_ESP_SEQ_OVERFLOW", "the ESP sequence number space of this SA is used up: rekey");
    } else {
      ThrowError(env, "ERR_IPSEC_ESP", std::string("seal failed: ") + EspStatusName(st));
    }
    return Napi::Value();
  }
  // open(buf, offset, length) -> status (0 ok), and on success [payloadLength, nextHeader, seq] in a
  // reused result array (no allocation per call beyond the bigint).
  Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Usable(env)) return Napi::Value();
    MutableByteView buf;
    size_t offset = 0, length = 0;
    if (!GetMutableBytes(env, info[0], "buf", &buf) || !GetSize(env, info[1], "offset", &offset) ||
        !GetSize(env, info[2], "length", &length)) {
      return Napi::Value();
    }
    EspOpenResult r;
    EspStatus st = sa_->Open(buf.data, buf.size, offset, length, &r);
    if (st == EspStatus::kWrongDirection || st == EspStatus::kCrypto) {
      ThrowError(env, "ERR_IPSEC_ESP", std::string("open failed: ") + EspStatusName(st));
      return Napi::Value();
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("status", Napi::String::New(env, EspStatusName(st)));
    if (st == EspStatus::kOk) {
      o.Set("payloadOffset", Napi::Number::New(env, static_cast<double>(r.payloadOffset)));
      o.Set("payloadLength", Napi::Number::New(env, static_cast<double>(r.payloadLength)));
      o.Set("nextHeader", Napi::Number::New(env, r.nextHeader));
      o.Set("seq", Napi::BigInt::New(env, r.seq));
    }
    return o;
  }
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EspCounterValues v = sa_ ? sa_->counters() : EspCounterValues{0, 0, 0, 0, 0, 0, 0, 0};
    Napi::Object o = Napi::Object::New(env);
    auto n = [&](const char* k, uint64_t x) { o.Set(k, Napi::Number::New(env, static_cast<double>(x))); };
    n("packets", v.packets);
    n("bytes", v.bytes);
    n("authFailures", v.authFailures);
    n("replayDrops", v.replayDrops);
    n("tooOld", v.tooOld);
    n("malformed", v.malformed);
    n("badSpi", v.badSpi);
    n("seqOverflow", v.seqOverflow);
    return o;
  }
  Napi::Value Wipe(const Napi::CallbackInfo& info) {
    if (sa_) sa_->Wipe();
    return info.Env().Undefined();
  }
  Napi::Value Wiped(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !sa_ || sa_->wiped()); }
  Napi::Value HeaderLength(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), sa_ ? static_cast<double>(sa_->headerLength()) : 0);
  }
  Napi::Value TrailerMax(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), sa_ ? static_cast<double>(sa_->trailerMax()) : 0);
  }

 private:
  std::unique_ptr<EspSa> sa_;
};

EspSaWrap* UnwrapSa(Napi::Env env, const Napi::Value& v, const char* what) {
  // The tag, not instanceof (see TagInstance in common.h): Object.create(EspSa.prototype) passes
  // instanceof but has no native half, and Unwrap then returns null.
  if (HasTypeTag(env, v, &kEspSaTag)) {
    EspSaWrap* w = EspSaWrap::Unwrap(v.As<Napi::Object>());
    if (w && w->sa() && !w->sa()->wiped()) return w;
  }
  ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a live EspSa");
  return nullptr;
}

// espBenchmark(sa, size, count[, peer]) -> elapsed nanoseconds (bigint) for `count` operations on one
// buffer in a C++ loop. An outbound `sa` times seal of a `size`-byte payload. An inbound `sa` times open
// only: each packet is first sealed (untimed) by `peer`, the matching outbound SA, so every open is a
// fresh, valid packet; that needs a clock read per packet (a few tens of ns, included).
Napi::Value EspBenchmark(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EspSaWrap* w = UnwrapSa(env, info[0], "sa");
  if (!w) return Napi::Value();
  size_t size = 0, count = 0;
  if (!GetSize(env, info[1], "size", &size) || !GetSize(env, info[2], "count", &count)) return Napi::Value();
  if (size > 65535) {
    ThrowError(env, "ERR_OUT_OF_RANGE", "size must be at most 65535");
    return Napi::Value();
  }
  EspSa* sa = w->sa();
  EspSa* sealer = sa;
  if (!sa->outbound()) {
    EspSaWrap* p = UnwrapSa(env, info[3], "peer");
    if (!p) return Napi::Value();
    sealer = p->sa();
    if (!sealer->outbound()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "peer must be an outbound EspSa");
      return Napi::Value();
    }
  }
  const size_t head = 64;  // room for any header, cache-line aligned payload
  std::unique_ptr<uint8_t[]> buf(new uint8_t[head + size + sealer->trailerMax() + 64]());
  const size_t bufLength = head + size + sealer->trailerMax() + 64;
  using Clock = std::chrono::steady_clock;
  std::chrono::nanoseconds total{0};
  size_t off = 0, len = 0;
  if (sa->outbound()) {
    auto start = Clock::now();
    for (size_t i = 0; i < count; i++) {
      if (sa->Seal(buf.get(), bufLength, head, size, 4, &off, &len) != EspStatus::kOk) {
        ThrowError(env, "ERR_IPSEC_ESP", "seal failed during the benchmark");
        return Napi::Value();
      }
    }
    total = Clock::now() - start;
  } else {
    EspOpenResult r;
    for (size_t i = 0; i < count; i++) {
      if (sealer->Seal(buf.get(), bufLength, head, size, 4, &off, &len) != EspStatus::kOk) {
        ThrowError(env, "ERR_IPSEC_ESP", "peer seal failed during the benchmark");
        return Napi::Value();
      }
      auto start = Clock::now();
      EspStatus st = sa->Open(buf.get(), bufLength, off, len, &r);
      total += Clock::now() - start;
      if (st != EspStatus::kOk) {
        ThrowError(env, "ERR_IPSEC_ESP", std::string("open failed during the benchmark: ") + EspStatusName(st));
        return Napi::Value();
      }
    }
  }
  return Napi::BigInt::New(env, static_cast<uint64_t>(total.count()));
}

Napi::Value EspKeymatLengthsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t encr = 0, keyBits = 0, integ = 0;
  if (!GetUint32(env, info[0], "encr", &encr) || !GetUint32(env, info[1], "keyBits", &keyBits) ||
      !GetUint32(env, info[2], "integ", &integ)) {
    return Napi::Value();
  }
  EspKeymatLengths l;
  std::string error;
  if (!EspKeymatLengthsFor(static_cast<int>(encr), static_cast<int>(keyBits), static_cast<int>(integ), &l, &error)) {
    ThrowError(env, "ERR_IPSEC_ESP_CONFIG", error);
    return Napi::Value();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("encr", Napi::Number::New(env, static_cast<double>(l.encr)));
  o.Set("integ", Napi::Number::New(env, static_cast<double>(l.integ)));
  return o;
}

}  // namespace

void InitEsp(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = EspSaWrap::DefineClass(env, kCtorName,
                                               {
                                                   EspSaWrap::InstanceMethod<&EspSaWrap::Seal>("seal"),
                                                   EspSaWrap::InstanceMethod<&EspSaWrap::Open>("open"),
                                                   EspSaWrap::InstanceMethod<&EspSaWrap::Counters>("counters"),
                                                   EspSaWrap::InstanceMethod<&EspSaWrap::Wipe>("wipe"),
                                                   EspSaWrap::InstanceAccessor<&EspSaWrap::Wiped>("wiped"),
                                                   EspSaWrap::InstanceAccessor<&EspSaWrap::HeaderLength>("headerLength"),
                                                   EspSaWrap::InstanceAccessor<&EspSaWrap::TrailerMax>("trailerMax"),
                                               });
  GetAddonData(env)->constructors[kCtorName] = Napi::Persistent(ctor);
  exports.Set(kCtorName, ctor);
  exports.Set("espBenchmark", Napi::Function::New<EspBenchmark>(env, "espBenchmark"));
  exports.Set("espKeymatLengths", Napi::Function::New<EspKeymatLengthsJs>(env, "espKeymatLengths"));
}
