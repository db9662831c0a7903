#include "common.h"

#include <openssl/err.h>

#include "secret.h"

AddonData* GetAddonData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

static void ThrowWithCode(Napi::Env env, Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(env, code));
  error.ThrowAsJavaScriptException();
}

void ThrowError(Napi::Env env, const char* code, const std::string& message) {
  ThrowWithCode(env, Napi::Error::New(env, message), code);
}

void ThrowTypeError(Napi::Env env, const char* code, const std::string& message) {
  ThrowWithCode(env, Napi::TypeError::New(env, message), code);
}

std::string LastOpenSslError() {
  unsigned long err = ERR_get_error();
  if (err == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

void ThrowOpenSslError(Napi::Env env, const std::string& what) {
  ThrowError(env, "ERR_IPSEC_OPENSSL", what + ": " + LastOpenSslError());
}

bool GetBytes(Napi::Env env, const Napi::Value& value, const char* what, ByteView* out) {
  if (value.IsTypedArray()) {
    Napi::TypedArray ta = value.As<Napi::TypedArray>();
    if (ta.TypedArrayType() == napi_uint8_array) {
      Napi::Uint8Array u8 = value.As<Napi::Uint8Array>();
      out->data = u8.Data();
      out->size = u8.ByteLength();
      return true;
    }
  }
  if (SecretBytes* secret = SecretBytes::FromValue(env, value)) {
    out->data = secret->bytes().data();
    out->size = secret->bytes().size();
    return true;
  }
  ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a Buffer, Uint8Array or SecretBytes");
  return false;
}

bool GetMutableBytes(Napi::Env env, const Napi::Value& value, const char* what, MutableByteView* out) {
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    Napi::Uint8Array u8 = value.As<Napi::Uint8Array>();
    out->data = u8.Data();
    out->size = u8.ByteLength();
    return true;
  }
  ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a Buffer or Uint8Array");
  return false;
}

bool GetSize(Napi::Env env, const Napi::Value& value, const char* what, size_t* out) {
  if (value.IsNumber()) {
    double d = value.As<Napi::Number>().DoubleValue();
    if (d >= 0 && d <= 9007199254740991.0 && d == static_cast<double>(static_cast<uint64_t>(d))) {
      *out = static_cast<size_t>(d);
      return true;
    }
  }
  ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a non-negative integer");
  return false;
}

bool GetUint32(Napi::Env env, const Napi::Value& value, const char* what, uint32_t* out) {
  size_t v = 0;
  if (GetSize(env, value, what, &v) && v <= 0xffffffffu) {
    *out = static_cast<uint32_t>(v);
    return true;
  }
  if (!env.IsExceptionPending())
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a 32-bit unsigned integer");
  return false;
}

bool GetString(Napi::Env env, const Napi::Value& value, const char* what, std::string* out) {
  if (value.IsString()) {
    *out = value.As<Napi::String>().Utf8Value();
    return true;
  }
  ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a string");
  return false;
}

bool TagInstance(Napi::Env env, const Napi::Object& object, const napi_type_tag* tag) {
  return napi_type_tag_object(env, object, tag) == napi_ok;
}

bool HasTypeTag(Napi::Env env, const Napi::Value& value, const napi_type_tag* tag) {
  bool tagged = false;
  return value.IsObject() && napi_check_object_type_tag(env, value, tag, &tagged) == napi_ok && tagged;
}

Napi::Buffer<uint8_t> CopyToBuffer(Napi::Env env, const uint8_t* data, size_t size) {
  return Napi::Buffer<uint8_t>::Copy(env, data, size);
}
