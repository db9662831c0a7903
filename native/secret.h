// Secret bytes that live in native memory and are wiped when they die.
//
// SecureBuffer is the plain C++ owner (used by every native core, including data-path threads).
// SecretBytes is its JavaScript face: an opaque object; `reveal()` copies the bytes out for the few
// callers that must see them (known-answer tests), everything else passes the object back to C++.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>

class SecureBuffer {
 public:
  SecureBuffer() = default;
  explicit SecureBuffer(size_t size);
  SecureBuffer(const uint8_t* data, size_t size);
  ~SecureBuffer();
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Overwrites the bytes with zeros (OPENSSL_cleanse) and frees them.
  void Wipe();
  SecureBuffer Slice(size_t offset, size_t length) const;

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

class SecretBytes : public Napi::ObjectWrap<SecretBytes> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  // A new JavaScript SecretBytes that takes ownership of `bytes`.
  static Napi::Object NewInstance(Napi::Env env, SecureBuffer&& bytes);
  // The SecretBytes behind `value`, or nullptr if it is not one.
  static SecretBytes* FromValue(Napi::Env env, const Napi::Value& value);

  explicit SecretBytes(const Napi::CallbackInfo& info);
  ~SecretBytes() override;
  const SecureBuffer& bytes() const { return bytes_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Slice(const Napi::CallbackInfo& info);
  Napi::Value Reveal(const Napi::CallbackInfo& info);
  Napi::Value Equals(const Napi::CallbackInfo& info);
  Napi::Value Wipe(const Napi::CallbackInfo& info);
  Napi::Value IsWiped(const Napi::CallbackInfo& info);

  SecureBuffer bytes_;
  bool wiped_ = false;
};

void InitSecret(Napi::Env env, Napi::Object exports);
