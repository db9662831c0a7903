#include "kernel_socket.h"

#include <errno.h>
#include <string.h>

#include <string>

#include "common.h"
#include "secret.h"

namespace {
// Datagrams read per poll wake-up before yielding back to the loop.
constexpr int kReadsPerWake = 64;
}  // namespace

Napi::Error KernelSocketError(Napi::Env env, const char* code, const char* syscall, int err) {
  std::string text = std::string(syscall) + ": " + strerror(err);
  Napi::Error error = Napi::Error::New(env, text);
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

bool KernelSocketPoller::Start(Napi::Env env, std::unique_ptr<KernelSocketFd> fd, Napi::Function onDatagram,
                               const KernelSocketNames& names, size_t receiveSize) {
  std::unique_ptr<PollState> state(new PollState());
  state->fd = std::move(fd);
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr ||
      uv_poll_init(loop, &state->handle, state->fd->fd()) != 0) {
    ThrowError(env, names.errorCode, std::string("could not watch the ") + names.what + " on the event loop");
    return false;  // state (and its fd) is freed: libuv never saw a handle it owns
  }
  state->owner = this;
  state->handle.data = state.get();
  state_ = state.release();
  if (uv_poll_start(&state_->handle, UV_READABLE, &KernelSocketPoller::OnReadable) != 0) {
    Close();
    ThrowError(env, names.errorCode, std::string("could not poll the ") + names.what);
    return false;
  }
  env_ = env;
  names_ = &names;
  callback_ = Napi::Persistent(onDatagram);
  context_.reset(new Napi::AsyncContext(env, names.resource));
  buffer_.resize(receiveSize);
  return true;
}

void KernelSocketPoller::Send(const Napi::CallbackInfo& info, bool (*check)(Napi::Env env, size_t size)) {
  Napi::Env env = info.Env();
  if (state_ == nullptr) {
    if (names_ == nullptr) ThrowError(env, "ERR_SOCKET_CLOSED", "the socket was never opened");
    else ThrowError(env, names_->closedCode, std::string("the ") + names_->what + " is closed");
    return;
  }
  ByteView request;
  if (!GetBytes(env, info[0], "message", &request) || !check(env, request.size)) return;
  SecureBuffer message(request.data, request.size);
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!info[1].IsArray()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "patches must be an array of [offset, SecretBytes]");
      return;
    }
    Napi::Array patches = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < patches.Length(); i++) {
      Napi::Value entry = patches.Get(i);
      if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 2) {
        ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "each patch must be [offset, SecretBytes]");
        return;
      }
      Napi::Array pair = entry.As<Napi::Array>();
      size_t offset = 0;
      if (!GetSize(env, pair.Get(0u), "patch offset", &offset)) return;
      SecretBytes* secret = SecretBytes::FromValue(env, pair.Get(1u));
      if (secret == nullptr) {
        ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "a patch's bytes must be a SecretBytes");
        return;
      }
      const SecureBuffer& bytes = secret->bytes();
      if (offset > message.size() || bytes.size() > message.size() - offset) {
        ThrowTypeError(env, "ERR_IPSEC_BAD_LENGTH", "a patch runs past the end of the message");
        return;
      }
      if (bytes.size() > 0) memcpy(message.data() + offset, bytes.data(), bytes.size());
    }
  }
  // Reading the patches ran no JavaScript, but check the socket again: nothing may have closed it between.
  if (state_ == nullptr) return;
  int err = state_->fd->Send(message.data(), message.size());
  if (err != 0) KernelSocketError(env, names_->errorCode, names_->sendSyscall, err).ThrowAsJavaScriptException();
}

void KernelSocketPoller::Close() {
  callback_.Reset();
  if (state_ == nullptr) return;
  PollState* state = state_;
  state_ = nullptr;
  state->owner = nullptr;
  uv_poll_stop(&state->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&state->handle),
           [](uv_handle_t* handle) { delete static_cast<PollState*>(handle->data); });
}

void KernelSocketPoller::Ref() {
  if (state_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(&state_->handle));
}

void KernelSocketPoller::Unref() {
  if (state_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(&state_->handle));
}

const KernelSocketFd* KernelSocketPoller::fd() const { return state_ != nullptr ? state_->fd.get() : nullptr; }

void KernelSocketPoller::OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  PollState* state = static_cast<PollState*>(handle->data);
  if (state->owner != nullptr) state->owner->Drain(status);
}

void KernelSocketPoller::Drain(int status) {
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  if (status < 0) {
    Deliver(KernelSocketError(env, names_->errorCode, "poll", -status).Value(), env.Null());
    return;
  }
  for (int i = 0; i < kReadsPerWake && state_ != nullptr; i++) {
    long n = state_->fd->Receive(buffer_.data(), buffer_.size());
    if (n == -EAGAIN) return;
    if (n == 0) continue;
    if (n < 0) {
      // ENOBUFS: the kernel dropped messages (event storm); the listener must resynchronise.
      Deliver(KernelSocketError(env, names_->errorCode, names_->recvSyscall, static_cast<int>(-n)).Value(), env.Null());
      continue;
    }
    Deliver(env.Null(), CopyToBuffer(env, buffer_.data(), static_cast<size_t>(n)));
  }
}

void KernelSocketPoller::Deliver(Napi::Value err, Napi::Value data) {
  if (callback_.IsEmpty()) return;
  Napi::Env env(env_);
  // The callback is its own receiver: the ObjectWrap may be mid-collection, the function is held here.
  callback_.MakeCallback(callback_.Value(), {err, data}, *context_);
  if (env.IsExceptionPending()) {
    // A throwing listener is the application's bug: report it like any uncaught exception.
    Napi::Error error = env.GetAndClearPendingException();
    napi_fatal_exception(env, error.Value());
  }
}
