// The crypto helper pool: Libreswan's `--nhelpers N`. Costly jobs (DH key generation, shared secrets)
// run on N native threads and come back to JavaScript as Promises; with N = 0 they run inline.
#pragma once

#include <napi.h>

#include <memory>

// One unit of work. Execute() runs on a helper thread (or inline) and must not touch napi; Outcome()
// runs on the JavaScript thread afterwards.
class HelperJob {
 public:
  virtual ~HelperJob() = default;
  virtual void Execute() = 0;
  // The value to resolve the Promise with; on failure sets *reject and returns the Error to reject with.
  // May also return an empty value with a pending exception (the Promise is rejected with it).
  virtual Napi::Value Outcome(Napi::Env env, bool* reject) = 0;
};

// Queues `job` on the environment's pool (or runs it inline with 0 helpers) and returns its Promise.
Napi::Value SubmitHelperJob(Napi::Env env, std::unique_ptr<HelperJob> job);

// A Promise rejected with the exception pending in `env` (clearing it): for argument errors of async
// functions, which reject rather than throw.
Napi::Value RejectWithPendingException(Napi::Env env);

// Libreswan's rule for --nhelpers -1: one thread per CPU below 4 CPUs, else CPUs - 1.
int ResolveHelperCount(int requested, int cpus);

void InitHelpers(Napi::Env env, Napi::Object exports);
