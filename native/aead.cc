// The IKEv2 SK payload sealer: AES-CBC / AES-CTR with a truncated MAC, AES-GCM and ChaCha20-Poly1305
// (RFC 7296 §3.14, RFC 3602, RFC 5930, RFC 5282, RFC 7634), in place over a caller-owned message.
#include "aead.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <climits>
#include <cstring>

#include "common.h"

namespace sk {

namespace {

constexpr size_t kSaltLen = 4;
constexpr size_t kAesBlock = 16;
constexpr size_t kMaxMac = 64;

const EVP_CIPHER* CipherFor(int encr, size_t key_len) {
  switch (encr) {
    case kEncrAesCbc:
      return key_len == 16 ? EVP_aes_128_cbc() : key_len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
    case kEncrAesCtr:
      return key_len == 16 ? EVP_aes_128_ctr() : key_len == 24 ? EVP_aes_192_ctr() : EVP_aes_256_ctr();
    case kEncrAesGcm8:
    case kEncrAesGcm12:
    case kEncrAesGcm16:
      return key_len == 16 ? EVP_aes_128_gcm() : key_len == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
    case kEncrChacha20Poly1305:
      return EVP_chacha20_poly1305();
    default:
      return nullptr;
  }
}

const char* DigestFor(int integ) {
  switch (integ) {
    case kIntegHmacSha1_96: return "SHA1";
    case kIntegHmacSha2_256_128: return "SHA256";
    case kIntegHmacSha2_384_192: return "SHA384";
    case kIntegHmacSha2_512_256: return "SHA512";
    default: return nullptr;
  }
}

// Big-endian store of the 64-bit IV counter: the 8-octet wire IV of the counter modes.
void StoreBe64(uint64_t v, uint8_t* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

const char* ComputeSizes(int encr, int key_bits, int integ, Sizes* out) {
  Sizes s;
  size_t key_len = 0;
  if (encr == kEncrChacha20Poly1305) {
    if (key_bits != 0 && key_bits != 256) return "ChaCha20-Poly1305 takes a 256-bit key";
    key_len = 32;
  } else if (encr == kEncrAesCbc || encr == kEncrAesCtr || encr == kEncrAesGcm8 || encr == kEncrAesGcm12 ||
             encr == kEncrAesGcm16) {
    if (key_bits != 128 && key_bits != 192 && key_bits != 256) return "an AES key must be 128, 192 or 256 bits";
    key_len = static_cast<size_t>(key_bits) / 8;
  } else {
    return "unsupported ENCR transform id";
  }
  switch (encr) {
    case kEncrAesCbc:
      s.encr_keymat = key_len, s.iv = 16, s.block = kAesBlock;
      break;
    case kEncrAesCtr:  // RFC 5930: keymat = key ‖ 4-octet nonce, 8-octet IV
      s.encr_keymat = key_len + kSaltLen, s.iv = 8, s.block = 1;
      break;
    default:  // RFC 5282 / RFC 7634: keymat = key ‖ 4-octet salt, 8-octet IV
      s.encr_keymat = key_len + kSaltLen, s.iv = 8, s.block = 1, s.aead = true;
      s.icv = encr == kEncrAesGcm8 ? 8 : encr == kEncrAesGcm12 ? 12 : 16;
      break;
  }
  if (s.aead) {
    if (integ != kIntegNone) return "an AEAD cipher takes no integrity transform (INTEG must be NONE)";
  } else {
    switch (integ) {
      case kIntegHmacSha1_96: s.integ_key = 20, s.icv = 12; break;
      case kIntegAesXcbc96: s.integ_key = 16, s.icv = 12; break;
      case kIntegHmacSha2_256_128: s.integ_key = 32, s.icv = 16; break;
      case kIntegHmacSha2_384_192: s.integ_key = 48, s.icv = 24; break;
      case kIntegHmacSha2_512_256: s.integ_key = 64, s.icv = 32; break;
      case kIntegNone: return "AES-CBC and AES-CTR need an integrity transform";
      default: return "unsupported INTEG transform id";
    }
  }
  *out = s;
  return nullptr;
}

const char* StatusCode(Status status) {
  switch (status) {
    case Status::kOk: return "OK";
    case Status::kIntegrityFailure: return "ERR_IPSEC_INTEGRITY";
    case Status::kBadLength: return "ERR_IPSEC_BAD_LENGTH";
    case Status::kNotBlockAligned: return "ERR_IPSEC_NOT_BLOCK_ALIGNED";
    case Status::kIvExhausted: return "ERR_IPSEC_IV_EXHAUSTED";
    case Status::kWiped: return "ERR_IPSEC_WIPED";
    case Status::kCryptoFailure: return "ERR_IPSEC_OPENSSL";
  }
  return "ERR_IPSEC_OPENSSL";
}

const char* StatusMessage(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kIntegrityFailure: return "the integrity check value does not match";
    case Status::kBadLength:
      return "the offsets and lengths do not fit the message, or leave no room for the IV and ICV";
    case Status::kNotBlockAligned: return "the AES-CBC text is not a whole number of 16-octet blocks";
    case Status::kIvExhausted: return "this SA has used every IV of its counter: rekey it";
    case Status::kWiped: return "this cipher was wiped";
    case Status::kCryptoFailure: return "OpenSSL refused the operation";
  }
  return "unknown status";
}

SkCipherCore::~SkCipherCore() { Wipe(); }

void SkCipherCore::Wipe() {
  EVP_CIPHER_CTX_free(enc_);  // frees (and cleanses) the key schedules
  EVP_CIPHER_CTX_free(dec_);
  EVP_MAC_CTX_free(hmac_);
  enc_ = dec_ = nullptr;
  hmac_ = nullptr;
  xcbc_.reset();
  salt_.Wipe();
  wiped_ = true;
}

const char* SkCipherCore::Init(int encr, int key_bits, int integ, const uint8_t* encr_keymat,
                               size_t encr_keymat_len, const uint8_t* integ_key, size_t integ_key_len) {
  if (const char* why = ComputeSizes(encr, key_bits, integ, &sizes_)) return why;
  if (encr_keymat_len != sizes_.encr_keymat) return "the encryption keying material has the wrong length";
  if (integ_key_len != sizes_.integ_key) return "the integrity key has the wrong length";
  encr_ = encr;
  integ_ = integ;
  const size_t key_len = encr == kEncrAesCbc ? encr_keymat_len : encr_keymat_len - kSaltLen;
  if (encr != kEncrAesCbc) salt_ = SecureBuffer(encr_keymat + key_len, kSaltLen);

  const EVP_CIPHER* cipher = CipherFor(encr, key_len);
  enc_ = EVP_CIPHER_CTX_new();
  dec_ = EVP_CIPHER_CTX_new();
  if (cipher == nullptr || enc_ == nullptr || dec_ == nullptr ||
      !EVP_EncryptInit_ex2(enc_, cipher, encr_keymat, nullptr, nullptr) ||
      !EVP_DecryptInit_ex2(dec_, cipher, encr_keymat, nullptr, nullptr)) {
    return "OpenSSL could not key the cipher";
  }

  if (integ == kIntegAesXcbc96) {
    xcbc_ = std::make_unique<Xcbc>();
    if (!xcbc_->SetKey(integ_key)) return "OpenSSL could not key AES-XCBC";
  } else if (const char* digest = DigestFor(integ)) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    hmac_ = mac ? EVP_MAC_CTX_new(mac) : nullptr;
    EVP_MAC_free(mac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_end(),
    };
    if (hmac_ == nullptr || !EVP_MAC_init(hmac_, integ_key, integ_key_len, params)) return "OpenSSL could not key HMAC";
  }
  wiped_ = false;
  return nullptr;
}

// CBC: random (RFC 7296 §3.14 wants it unpredictable). Counter modes: a per-SA counter, so an IV is never
// used twice under one key (RFC 5282 §3.1, RFC 5930 §2, RFC 7634 §2).
Status SkCipherCore::NextIv(uint8_t* iv) {
  if (encr_ == kEncrAesCbc) return RAND_bytes(iv, static_cast<int>(sizes_.iv)) == 1 ? Status::kOk : Status::kCryptoFailure;
  if (counter_ == UINT64_MAX) return Status::kIvExhausted;
  StoreBe64(++counter_, iv);
  return Status::kOk;
}

bool SkCipherCore::SetCipherIv(EVP_CIPHER_CTX* ctx, bool encrypt, const uint8_t* wire_iv) {
  uint8_t full[16];
  const uint8_t* iv = full;
  if (encr_ == kEncrAesCbc) {
    iv = wire_iv;
  } else {
    std::memcpy(full, salt_.data(), kSaltLen);
    std::memcpy(full + kSaltLen, wire_iv, 8);
    // RFC 3686 §4 / RFC 5930: counter block = nonce ‖ IV ‖ 00000001. GCM and ChaCha take the 12 octets.
    if (encr_ == kEncrAesCtr) full[12] = 0, full[13] = 0, full[14] = 0, full[15] = 1;
  }
  bool ok = encrypt ? EVP_EncryptInit_ex2(ctx, nullptr, nullptr, iv, nullptr)
                    : EVP_DecryptInit_ex2(ctx, nullptr, nullptr, iv, nullptr);
  // The text is already padded by IKE; OpenSSL must neither add nor hold back a block.
  if (ok && encr_ == kEncrAesCbc) ok = EVP_CIPHER_CTX_set_padding(ctx, 0);
  return ok;
}

bool SkCipherCore::Mac(const uint8_t* data, size_t len, uint8_t* icv) {
  uint8_t full[kMaxMac];
  size_t outl = 0;
  bool ok;
  if (integ_ == kIntegAesXcbc96) {
    ok = xcbc_->Mac(data, len, full);  // ICV = the first 96 bits (RFC 3566 §4)
  } else {
    ok = EVP_MAC_init(hmac_, nullptr, 0, nullptr) && EVP_MAC_update(hmac_, data, len) &&
         EVP_MAC_final(hmac_, full, &outl, sizeof full) && outl >= sizes_.icv;
  }
  if (ok) std::memcpy(icv, full, sizes_.icv);
  OPENSSL_cleanse(full, sizeof full);
  return ok;
}

Status SkCipherCore::SealAead(uint8_t* message, size_t iv_offset, size_t plaintext_len) {
  uint8_t* text = message + iv_offset + sizes_.iv;
  uint8_t scratch[32];
  int outl = 0;
  // RFC 5282 §5.1 / RFC 7634 §3: the AAD is every octet before the IV.
  bool ok = SetCipherIv(enc_, true, message + iv_offset) &&
            (iv_offset == 0 || EVP_EncryptUpdate(enc_, nullptr, &outl, message, static_cast<int>(iv_offset))) &&
            (plaintext_len == 0 || EVP_EncryptUpdate(enc_, text, &outl, text, static_cast<int>(plaintext_len))) &&
            EVP_EncryptFinal_ex(enc_, scratch, &outl) &&
            EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(sizes_.icv), text + plaintext_len);
  return ok ? Status::kOk : Status::kCryptoFailure;
}

Status SkCipherCore::OpenAead(uint8_t* message, size_t iv_offset, size_t ciphertext_len) {
  uint8_t* text = message + iv_offset + sizes_.iv;
  uint8_t scratch[32];
  int outl = 0;
  bool ok = SetCipherIv(dec_, false, message + iv_offset) &&
            (iv_offset == 0 || EVP_DecryptUpdate(dec_, nullptr, &outl, message, static_cast<int>(iv_offset))) &&
            (ciphertext_len == 0 || EVP_DecryptUpdate(dec_, text, &outl, text, static_cast<int>(ciphertext_len))) &&
            EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(sizes_.icv), text + ciphertext_len);
  if (!ok) return Status::kCryptoFailure;
  if (EVP_DecryptFinal_ex(dec_, scratch, &outl) <= 0) {
    // Never hand back unauthenticated plaintext (RFC 5116 §2.2).
    if (ciphertext_len) OPENSSL_cleanse(text, ciphertext_len);
    return Status::kIntegrityFailure;
  }
  return Status::kOk;
}

Status SkCipherCore::Seal(uint8_t* message, size_t capacity, size_t iv_offset, size_t plaintext_len,
                          const uint8_t* iv, size_t* total) {
  if (wiped_) return Status::kWiped;
  const size_t overhead = sizes_.iv + sizes_.icv;
  if (iv_offset > capacity || overhead > capacity - iv_offset || plaintext_len > capacity - iv_offset - overhead ||
      iv_offset + overhead + plaintext_len > INT_MAX) {
    return Status::kBadLength;
  }
  if (plaintext_len % sizes_.block != 0) return Status::kNotBlockAligned;
  uint8_t* wire_iv = message + iv_offset;
  if (iv != nullptr) {
    std::memmove(wire_iv, iv, sizes_.iv);
  } else if (Status st = NextIv(wire_iv); st != Status::kOk) {
    return st;
  }
  uint8_t* text = wire_iv + sizes_.iv;
  if (sizes_.aead) {
    if (Status st = SealAead(message, iv_offset, plaintext_len); st != Status::kOk) return st;
  } else {
    int outl = 0, fin = 0;
    bool ok = SetCipherIv(enc_, true, wire_iv) &&
              (plaintext_len == 0 || EVP_EncryptUpdate(enc_, text, &outl, text, static_cast<int>(plaintext_len))) &&
              EVP_EncryptFinal_ex(enc_, text + outl, &fin) && static_cast<size_t>(outl + fin) == plaintext_len &&
              Mac(message, iv_offset + sizes_.iv + plaintext_len, text + plaintext_len);
    if (!ok) return Status::kCryptoFailure;
  }
  *total = iv_offset + overhead + plaintext_len;
  return Status::kOk;
}

Status SkCipherCore::Open(uint8_t* message, size_t capacity, size_t iv_offset, size_t total,
                          size_t* plaintext_len) {
  if (wiped_) return Status::kWiped;
  const size_t overhead = sizes_.iv + sizes_.icv;
  if (total > capacity || iv_offset > total || overhead > total - iv_offset || total > INT_MAX) {
    return Status::kBadLength;
  }
  const size_t text_len = total - iv_offset - overhead;
  if (text_len % sizes_.block != 0) return Status::kNotBlockAligned;
  if (sizes_.aead) {
    if (Status st = OpenAead(message, iv_offset, text_len); st != Status::kOk) return st;
  } else {
    // Encrypt-then-MAC: check the ICV over header ‖ IV ‖ ciphertext before touching the ciphertext.
    uint8_t icv[kMaxMac];
    if (!Mac(message, total - sizes_.icv, icv)) return Status::kCryptoFailure;
    const bool match = CRYPTO_memcmp(icv, message + total - sizes_.icv, sizes_.icv) == 0;
    OPENSSL_cleanse(icv, sizeof icv);
    if (!match) return Status::kIntegrityFailure;
    uint8_t* text = message + iv_offset + sizes_.iv;
    int outl = 0, fin = 0;
    bool ok = SetCipherIv(dec_, false, message + iv_offset) &&
              (text_len == 0 || EVP_DecryptUpdate(dec_, text, &outl, text, static_cast<int>(text_len))) &&
              EVP_DecryptFinal_ex(dec_, text + outl, &fin) && static_cast<size_t>(outl + fin) == text_len;
    if (!ok) return Status::kCryptoFailure;
  }
  *plaintext_len = text_len;
  return Status::kOk;
}

}  // namespace sk

// ---- N-API wrapper -------------------------------------------------------------------------------------

namespace {

const char kCtorName[] = "SkCipher";

Napi::Object SizesObject(Napi::Env env, const sk::Sizes& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("encrKeymatLength", Napi::Number::New(env, static_cast<double>(s.encr_keymat)));
  o.Set("integKeyLength", Napi::Number::New(env, static_cast<double>(s.integ_key)));
  o.Set("ivLength", Napi::Number::New(env, static_cast<double>(s.iv)));
  o.Set("icvLength", Napi::Number::New(env, static_cast<double>(s.icv)));
  o.Set("blockLength", Napi::Number::New(env, static_cast<double>(s.block)));
  o.Set("aead", Napi::Boolean::New(env, s.aead));
  return o;
}

bool GetTransform(const Napi::CallbackInfo& info, uint32_t* encr, uint32_t* key_bits, uint32_t* integ) {
  Napi::Env env = info.Env();
  return GetUint32(env, info[0], "encr", encr) && GetUint32(env, info[1], "keyBits", key_bits) &&
         GetUint32(env, info[2], "integ", integ);
}

bool ValidTransform(Napi::Env env, uint32_t encr, uint32_t key_bits, uint32_t integ, sk::Sizes* sizes) {
  if (encr > INT_MAX || key_bits > INT_MAX || integ > INT_MAX) {
    ThrowError(env, "ERR_IPSEC_UNSUPPORTED_TRANSFORM", "unsupported transform id");
    return false;
  }
  if (const char* why = sk::ComputeSizes(static_cast<int>(encr), static_cast<int>(key_bits), static_cast<int>(integ), sizes)) {
    ThrowError(env, "ERR_IPSEC_UNSUPPORTED_TRANSFORM", why);
    return false;
  }
  return true;
}

// skSizes(encr, keyBits, integ): the lengths a transform needs, or a thrown ERR_IPSEC_UNSUPPORTED_TRANSFORM.
Napi::Value SkSizes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t encr = 0, key_bits = 0, integ = 0;
  sk::Sizes sizes;
  if (!GetTransform(info, &encr, &key_bits, &integ) || !ValidTransform(env, encr, key_bits, integ, &sizes)) {
    return env.Null();
  }
  return SizesObject(env, sizes);
}

class SkCipher : public Napi::ObjectWrap<SkCipher> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, kCtorName,
                                      {
                                          InstanceMethod<&SkCipher::Seal>("seal"),
                                          InstanceMethod<&SkCipher::Open>("open"),
                                          InstanceMethod<&SkCipher::Wipe>("wipe"),
                                          InstanceAccessor<&SkCipher::GetSizes>("sizes"),
                                      });
    GetAddonData(env)->constructors[kCtorName] = Napi::Persistent(ctor);
    exports.Set(kCtorName, ctor);
  }

  // new SkCipher(encr, keyBits, integ, encrKeymat, integKey?)
  explicit SkCipher(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SkCipher>(info) {
    Napi::Env env = info.Env();
    uint32_t encr = 0, key_bits = 0, integ = 0;
    sk::Sizes sizes;
    ByteView keymat, integ_key;
    if (!GetTransform(info, &encr, &key_bits, &integ) || !ValidTransform(env, encr, key_bits, integ, &sizes) ||
        !GetBytes(env, info[3], "encrKeymat", &keymat)) {
      return;
    }
    const bool has_integ_key = info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull();
    if (has_integ_key && !GetBytes(env, info[4], "integKey", &integ_key)) return;
    if (keymat.size != sizes.encr_keymat) {
      ThrowError(env, "ERR_IPSEC_BAD_KEY_LENGTH",
                 "encrKeymat must be " + std::to_string(sizes.encr_keymat) + " octets for this transform");
      return;
    }
    if (integ_key.size != sizes.integ_key || (sizes.aead && has_integ_key)) {
      ThrowError(env, "ERR_IPSEC_BAD_KEY_LENGTH",
                 sizes.aead ? std::string("an AEAD cipher takes no integrity key")
                            : "integKey must be " + std::to_string(sizes.integ_key) + " octets for this transform");
      return;
    }
    if (const char* why = core_.Init(static_cast<int>(encr), static_cast<int>(key_bits), static_cast<int>(integ),
                                     keymat.data, keymat.size, integ_key.data, integ_key.size)) {
      core_.Wipe();
      ThrowOpenSslError(env, why);
    }
  }

 private:
  void ThrowStatus(Napi::Env env, sk::Status st) {
    if (st == sk::Status::kCryptoFailure) {
      ThrowOpenSslError(env, sk::StatusMessage(st));
    } else {
      ThrowError(env, sk::StatusCode(st), sk::StatusMessage(st));
    }
  }

  // seal(message, ivOffset, plaintextLength, iv?) -> total length used
  Napi::Value Seal(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    MutableByteView msg;
    size_t iv_offset = 0, plaintext_len = 0, total = 0;
    ByteView iv;
    if (!GetMutableBytes(env, info[0], "message", &msg) || !GetSize(env, info[1], "ivOffset", &iv_offset) ||
        !GetSize(env, info[2], "plaintextLength", &plaintext_len)) {
      return env.Null();
    }
    const bool explicit_iv = info.Length() > 3 && !info[3].IsUndefined();
    if (explicit_iv) {
      if (!GetBytes(env, info[3], "iv", &iv)) return env.Null();
      if (!core_.wiped() && iv.size != core_.sizes().iv) {
        ThrowError(env, "ERR_IPSEC_BAD_LENGTH", "iv must be " + std::to_string(core_.sizes().iv) + " octets");
        return env.Null();
      }
    }
    sk::Status st = core_.Seal(msg.data, msg.size, iv_offset, plaintext_len, explicit_iv ? iv.data : nullptr, &total);
    if (st != sk::Status::kOk) {
      ThrowStatus(env, st);
      return env.Null();
    }
    return Napi::Number::New(env, static_cast<double>(total));
  }

  // open(message, ivOffset, totalLength) -> plaintext length, or -1 when the ICV does not match
  Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    MutableByteView msg;
    size_t iv_offset = 0, total = 0, plaintext_len = 0;
    if (!GetMutableBytes(env, info[0], "message", &msg) || !GetSize(env, info[1], "ivOffset", &iv_offset) ||
        !GetSize(env, info[2], "totalLength", &total)) {
      return env.Null();
    }
    sk::Status st = core_.Open(msg.data, msg.size, iv_offset, total, &plaintext_len);
    if (st == sk::Status::kIntegrityFailure) return Napi::Number::New(env, -1);
    if (st != sk::Status::kOk) {
      ThrowStatus(env, st);
      return env.Null();
    }
    return Napi::Number::New(env, static_cast<double>(plaintext_len));
  }

  Napi::Value Wipe(const Napi::CallbackInfo& info) {
    core_.Wipe();
    return info.Env().Undefined();
  }

  Napi::Value GetSizes(const Napi::CallbackInfo& info) { return SizesObject(info.Env(), core_.sizes()); }

  sk::SkCipherCore core_;
};

}  // namespace

void InitAead(Napi::Env env, Napi::Object exports) {
  SkCipher::Init(env, exports);
  exports.Set("skSizes", Napi::Function::New(env, SkSizes, "skSizes"));
}
