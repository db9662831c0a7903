#include "secret.h"

#include <openssl/crypto.h>

#include <cstring>

#include "common.h"

SecureBuffer::SecureBuffer(size_t size) : data_(new uint8_t[size ? size : 1]()), size_(size) {}

SecureBuffer::SecureBuffer(const uint8_t* data, size_t size) : SecureBuffer(size) {
  if (size) std::memcpy(data_.get(), data, size);
}

SecureBuffer::~SecureBuffer() { Wipe(); }

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

void SecureBuffer::Wipe() {
  if (data_) OPENSSL_cleanse(data_.get(), size_ ? size_ : 1);
  data_.reset();
  size_ = 0;
}

SecureBuffer SecureBuffer::Slice(size_t offset, size_t length) const {
  return SecureBuffer(data_.get() + offset, length);
}

static const char kCtorName[] = "SecretBytes";
static const napi_type_tag kSecretBytesTag = {0xd8f484d31a574a6aULL, 0x9c846b2aceb8fb51ULL};

void SecretBytes::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, kCtorName,
                                    {
                                        InstanceAccessor<&SecretBytes::Length>("length"),
                                        InstanceMethod<&SecretBytes::Slice>("slice"),
                                        InstanceMethod<&SecretBytes::Reveal>("reveal"),
                                        InstanceMethod<&SecretBytes::Equals>("equals"),
                                        InstanceMethod<&SecretBytes::Wipe>("wipe"),
                                        InstanceAccessor<&SecretBytes::IsWiped>("wiped"),
                                    });
  GetAddonData(env)->constructors[kCtorName] = Napi::Persistent(ctor);
  exports.Set(kCtorName, ctor);
}

Napi::Object SecretBytes::NewInstance(Napi::Env env, SecureBuffer&& bytes) {
  Napi::Object obj = GetAddonData(env)->constructors[kCtorName].New({});
  if (obj.IsEmpty()) return obj;
  // Unwrap is null if JavaScript can no longer run (a worker being terminated): the bytes die wiped.
  if (SecretBytes* secret = SecretBytes::Unwrap(obj)) secret->bytes_ = std::move(bytes);
  return obj;
}

SecretBytes* SecretBytes::FromValue(Napi::Env env, const Napi::Value& value) {
  // The tag, not instanceof: see TagInstance in common.h.
  if (!HasTypeTag(env, value, &kSecretBytesTag)) return nullptr;
  return SecretBytes::Unwrap(value.As<Napi::Object>());
}

// new SecretBytes(source?: Uint8Array): copies the source bytes (the caller should then zero its copy).
SecretBytes::SecretBytes(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SecretBytes>(info) {
  if (!TagInstance(info.Env(), info.This().As<Napi::Object>(), &kSecretBytesTag)) return;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    ByteView src;
    if (!GetBytes(info.Env(), info[0], "source", &src)) return;
    bytes_ = SecureBuffer(src.data, src.size);
  }
}

SecretBytes::~SecretBytes() { bytes_.Wipe(); }

Napi::Value SecretBytes::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(bytes_.size()));
}

// slice(offset, length): a new SecretBytes with a copy of those bytes.
Napi::Value SecretBytes::Slice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t offset = 0, length = 0;
  if (!GetSize(env, info[0], "offset", &offset) || !GetSize(env, info[1], "length", &length)) return env.Null();
  if (offset > bytes_.size() || length > bytes_.size() - offset) {
    ThrowError(env, "ERR_OUT_OF_RANGE", "slice beyond the end of the secret");
    return env.Null();
  }
  return NewInstance(env, bytes_.Slice(offset, length));
}

Napi::Value SecretBytes::Reveal(const Napi::CallbackInfo& info) {
  return CopyToBuffer(info.Env(), bytes_.data(), bytes_.size());
}

// equals(other): constant-time comparison with a Buffer or another SecretBytes.
Napi::Value SecretBytes::Equals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView other;
  if (!GetBytes(env, info[0], "other", &other)) return env.Null();
  bool same = other.size == bytes_.size() &&
              (bytes_.size() == 0 || CRYPTO_memcmp(other.data, bytes_.data(), bytes_.size()) == 0);
  return Napi::Boolean::New(env, same);
}

Napi::Value SecretBytes::Wipe(const Napi::CallbackInfo& info) {
  bytes_.Wipe();
  wiped_ = true;
  return info.Env().Undefined();
}

Napi::Value SecretBytes::IsWiped(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), wiped_); }

void InitSecret(Napi::Env env, Napi::Object exports) { SecretBytes::Init(env, exports); }
