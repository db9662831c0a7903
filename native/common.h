// Shared by every native file: per-environment data, error helpers, byte views.
// No C++ exceptions are used (NAPI_DISABLE_CPP_EXCEPTIONS, -fno-exceptions): errors become pending
// JavaScript exceptions and the function returns an empty value.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

class HelperPool;

// One per Node environment (worker threads get their own).
struct AddonData {
  std::unordered_map<std::string, Napi::FunctionReference> constructors;
  HelperPool* pool = nullptr;
};

AddonData* GetAddonData(Napi::Env env);

// Throws a JavaScript Error whose `code` property is `code` (e.g. "ERR_IPSEC_BAD_LENGTH").
void ThrowError(Napi::Env env, const char* code, const std::string& message);
void ThrowTypeError(Napi::Env env, const char* code, const std::string& message);
// Throws with the reason of the last OpenSSL error appended (and clears OpenSSL's error queue).
void ThrowOpenSslError(Napi::Env env, const std::string& what);
// The reason of the last OpenSSL error, clearing the queue; "unknown OpenSSL error" if none.
std::string LastOpenSslError();

// A read-only view of caller bytes: a Buffer / Uint8Array, or a SecretBytes object.
struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;
};
// A writable view of a caller-owned Buffer / Uint8Array.
struct MutableByteView {
  uint8_t* data = nullptr;
  size_t size = 0;
};

// Return false (with a pending TypeError naming `what`) if `value` is not bytes.
bool GetBytes(Napi::Env env, const Napi::Value& value, const char* what, ByteView* out);
// Buffer / Uint8Array only (never SecretBytes: those are read-only from JavaScript).
bool GetMutableBytes(Napi::Env env, const Napi::Value& value, const char* what, MutableByteView* out);
// A non-negative integer argument; false with a pending TypeError otherwise.
bool GetSize(Napi::Env env, const Napi::Value& value, const char* what, size_t* out);
bool GetUint32(Napi::Env env, const Napi::Value& value, const char* what, uint32_t* out);
bool GetString(Napi::Env env, const Napi::Value& value, const char* what, std::string* out);

// Which native class made an object (napi_type_tag_object): each ObjectWrap constructor tags `this` with
// its class's tag, and functions that take such an object check the tag, not instanceof. instanceof can
// run JavaScript in the middle of argument parsing (Symbol.hasInstance, Proxy traps), which may wipe a
// SecretBytes or detach a buffer already taken as an argument, and it trusts the prototype chain, which
// Object.setPrototypeOf can give any object (another class's native pointer would then be misread).
// A tag is a private property: reading it runs no JavaScript and a Proxy cannot fake it.
bool TagInstance(Napi::Env env, const Napi::Object& object, const napi_type_tag* tag);
bool HasTypeTag(Napi::Env env, const Napi::Value& value, const napi_type_tag* tag);

// A fresh Buffer holding a copy of `size` bytes.
Napi::Buffer<uint8_t> CopyToBuffer(Napi::Env env, const uint8_t* data, size_t size);
