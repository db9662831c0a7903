#include "helpers.h"

#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common.h"

// More threads than this is a typo, not a configuration (and std::thread aborts when it cannot start one).
static constexpr int kMaxHelpers = 256;
// Completion batching (see HelperPool::Finish).
static constexpr size_t kLowWater = 2;  // queued jobs per thread below which the JavaScript thread is woken
static constexpr size_t kBatch = 32;
static constexpr std::chrono::microseconds kMaxDelay(1000);

int ResolveHelperCount(int requested, int cpus) {
  if (requested >= 0) return requested;
  if (cpus < 1) cpus = 1;
  return cpus < 4 ? cpus : cpus - 1;
}

namespace {

struct PendingJob {
  std::unique_ptr<HelperJob> job;
  napi_deferred deferred;
};

}  // namespace

// One per Node environment. Threads start lazily on the first job. Completions are handed back in
// batches through one threadsafe function: one wake-up of the JavaScript thread settles every job
// completed meanwhile (see Finish for when a helper wakes it).
class HelperPool {
 public:
  explicit HelperPool(int threads) : target_(threads) {}

  bool Init(Napi::Env env) {
    napi_value name;
    if (napi_create_string_utf8(env, "swanlet:helpers", NAPI_AUTO_LENGTH, &name) != napi_ok) return false;
    if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this, CallJs, &tsfn_) !=
        napi_ok)
      return false;
    napi_value probe;
    if (napi_create_function(env, "probe", NAPI_AUTO_LENGTH, Probe, nullptr, &probe) != napi_ok ||
        napi_create_reference(env, probe, 1, &probe_) != napi_ok)
      return false;
    // Idle helpers must not keep the process alive: referenced only while jobs are in flight.
    return napi_unref_threadsafe_function(env, tsfn_) == napi_ok;
  }

  // process.exit() runs exit() without the env cleanup hooks, and OpenSSL's atexit cleanup would pull
  // its tables from under a helper in the middle of a job: the exit handler joins the helpers first.
  void StopForExit() { JoinThreads(); }

  // Env teardown: stop the threads, drop whatever is left (their destructors wipe secrets).
  void Shutdown() {
    JoinThreads();
    for (PendingJob* p : queue_) delete p;
    queue_.clear();
    for (PendingJob* p : done_) delete p;
    done_.clear();
    if (tsfn_ != nullptr) napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
    tsfn_ = nullptr;
  }

  Napi::Value Submit(Napi::Env env, std::unique_ptr<HelperJob> job) {
    napi_deferred deferred;
    napi_value promise;
    if (napi_create_promise(env, &deferred, &promise) != napi_ok) return Napi::Value();
    PendingJob* p = new PendingJob{std::move(job), deferred};
    if (target_ == 0) {
      p->job->Execute();
      Settle(env, p);
      return Napi::Value(env, promise);
    }
    if (threads_.empty()) StartThreads();
    if (inflight_++ == 0) napi_ref_threadsafe_function(env, tsfn_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(p);
    }
    cv_.notify_one();
    return Napi::Value(env, promise);
  }

  // Joins the old threads (each finishes its current job first); queued jobs move to the new threads,
  // or with 0 run inline now.
  void Configure(int threads) {
    StopThreads();
    target_ = threads;
    bool have_queue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      have_queue = !queue_.empty();
    }
    if (!have_queue) return;
    if (target_ > 0) {
      StartThreads();
      return;
    }
    for (;;) {
      PendingJob* p;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (queue_.empty()) break;
        p = queue_.front();
        queue_.pop_front();
      }
      p->job->Execute();
      Finish(p);
    }
  }

  int target() const { return target_; }
  size_t queued() {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }
  double completed() const { return completed_; }
  double failed() const { return failed_; }
  double batches() const { return batches_; }

 private:
  void StartThreads() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = static_cast<size_t>(target_);
    }
    threads_.reserve(static_cast<size_t>(target_));
    for (int i = 0; i < target_; i++) threads_.emplace_back(&HelperPool::WorkerLoop, this);
  }

  // Each thread finishes the job it is running, then exits; leaves stop_ set.
  void JoinThreads() {
    if (threads_.empty()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    std::lock_guard<std::mutex> lock(mu_);
    running_ = 0;
  }

  void StopThreads() {
    if (threads_.empty()) return;
    JoinThreads();
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = false;
    }
    WakeIfHeld();
  }

  void WorkerLoop() {
    for (;;) {
      PendingJob* p;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        p = queue_.front();
        queue_.pop_front();
      }
      p->job->Execute();
      Finish(p);
    }
  }

  // Any thread: hand a finished job to the JavaScript thread. Waking that thread costs a context switch
  // (on a small machine, a helper's time slice), so while the helpers still have queued work we let
  // completions pile up a little: the wake-up comes when the queue runs low (the JavaScript thread must
  // queue more), when a batch is full, or when the oldest completion has waited kMaxDelay. The last
  // completion always sees a short queue, so nothing is left undelivered.
  void Finish(PendingJob* p) {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_.push_back(p);
      std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
      if (done_.size() == 1) oldest_done_ = now;
      if (!wake_pending_ && (queue_.size() <= kLowWater * running_ || done_.size() >= kBatch ||
                             now - oldest_done_ >= kMaxDelay)) {
        wake = true;
        wake_pending_ = true;
      }
    }
    if (wake) napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
  }

  // After threads stop with completions held back: deliver them.
  void WakeIfHeld() {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!wake_pending_ && !done_.empty()) wake = wake_pending_ = true;
    }
    if (wake) napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
  }

  // JavaScript thread: settles every completed job.
  static void CallJs(napi_env env, napi_value, void* context, void*) {
    if (env == nullptr) return;  // the function is being torn down; Shutdown() owns the jobs
    static_cast<HelperPool*>(context)->Deliver(env);
  }

  void Deliver(napi_env raw_env) {
    Napi::Env env(raw_env);
    std::vector<PendingJob*> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(done_);
      wake_pending_ = false;
    }
    if (!batch.empty()) batches_++;
    for (PendingJob* p : batch) {
      Napi::HandleScope scope(env);
      if (CanRunJs(raw_env)) {
        Settle(env, p);
      } else {
        delete p;  // a terminating worker: nobody is left to see the Promise
      }
      inflight_--;
    }
    if (inflight_ == 0 && !batch.empty()) napi_unref_threadsafe_function(raw_env, tsfn_);
  }

  // A worker being terminated still runs this callback, but no longer runs JavaScript: making objects
  // then half-fails (an ObjectWrap without its native half). Calling a no-op function tells us.
  static napi_value Probe(napi_env, napi_callback_info) { return nullptr; }
  bool CanRunJs(napi_env env) {
    napi_value fn, recv, result;
    if (probe_ == nullptr || napi_get_reference_value(env, probe_, &fn) != napi_ok || fn == nullptr ||
        napi_get_undefined(env, &recv) != napi_ok)
      return false;
    if (napi_call_function(env, recv, fn, 0, nullptr, &result) == napi_ok) return true;
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return false;
  }

  void Settle(Napi::Env env, PendingJob* p) {
    bool reject = false;
    Napi::Value value = p->job->Outcome(env, &reject);
    if (value.IsEmpty()) {
      reject = true;
      value = env.IsExceptionPending() ? env.GetAndClearPendingException().Value()
                                       : Napi::Error::New(env, "helper job failed").Value();
    }
    if (reject) {
      napi_reject_deferred(env, p->deferred, value);
      failed_++;
    } else {
      napi_resolve_deferred(env, p->deferred, value);
      completed_++;
    }
    delete p;
  }

  napi_threadsafe_function tsfn_ = nullptr;
  napi_ref probe_ = nullptr;  // freed with the environment's other references
  int target_;
  std::vector<std::thread> threads_;
  // JavaScript thread only.
  size_t inflight_ = 0;
  double completed_ = 0;
  double failed_ = 0;
  double batches_ = 0;  // JavaScript-thread wake-ups that delivered completions
  // Shared with the helpers, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingJob*> queue_;
  std::vector<PendingJob*> done_;
  bool wake_pending_ = false;
  bool stop_ = false;
  size_t running_ = 0;  // helper threads started (threads_ itself belongs to the JavaScript thread)
  std::chrono::steady_clock::time_point oldest_done_;
};

// Every live pool, for the exit handler; never freed, so that it outlives static destruction.
static std::mutex* const g_pools_mu = new std::mutex;
static std::vector<HelperPool*>* const g_pools = new std::vector<HelperPool*>;

static void StopPoolsAtExit() {
  std::lock_guard<std::mutex> lock(*g_pools_mu);
  for (HelperPool* pool : *g_pools) pool->StopForExit();
}

static int Cpus() { return static_cast<int>(uv_available_parallelism()); }

static HelperPool* Pool(Napi::Env env) { return GetAddonData(env)->pool; }

Napi::Value SubmitHelperJob(Napi::Env env, std::unique_ptr<HelperJob> job) {
  HelperPool* pool = Pool(env);
  if (pool == nullptr) {
    ThrowError(env, "ERR_IPSEC_HELPERS", "the helper pool is shut down");
    return RejectWithPendingException(env);
  }
  return pool->Submit(env, std::move(job));
}

Napi::Value RejectWithPendingException(Napi::Env env) {
  // Clear the exception first: napi refuses to make a Promise while one is pending.
  Napi::Value error = env.IsExceptionPending() ? env.GetAndClearPendingException().Value()
                                               : Napi::Error::New(env, "unknown error").Value();
  napi_deferred deferred;
  napi_value promise;
  if (napi_create_promise(env, &deferred, &promise) != napi_ok) return Napi::Value();
  napi_reject_deferred(env, deferred, error);
  return Napi::Value(env, promise);
}

// setHelperThreads(n): n >= 0 threads, or -1 for the default; returns the number in use.
static Napi::Value SetHelperThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HelperPool* pool = Pool(env);
  double n = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -2;
  // Range first: converting NaN, an infinity or a value beyond int64_t to an integer is undefined behaviour.
  if (!(n >= -1 && n <= kMaxHelpers) || n != static_cast<double>(static_cast<int>(n))) {
    ThrowTypeError(env, "ERR_OUT_OF_RANGE",
                   "helper thread count must be an integer from -1 to " + std::to_string(kMaxHelpers));
    return env.Null();
  }
  if (pool == nullptr) {
    ThrowError(env, "ERR_IPSEC_HELPERS", "the helper pool is shut down");
    return env.Null();
  }
  pool->Configure(ResolveHelperCount(static_cast<int>(n), Cpus()));
  return Napi::Number::New(env, pool->target());
}

static Napi::Value HelperThreads(const Napi::CallbackInfo& info) {
  HelperPool* pool = Pool(info.Env());
  return Napi::Number::New(info.Env(), pool ? pool->target() : 0);
}

static Napi::Value HelperStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HelperPool* pool = Pool(env);
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("threads", Napi::Number::New(env, pool ? pool->target() : 0));
  stats.Set("queued", Napi::Number::New(env, pool ? static_cast<double>(pool->queued()) : 0));
  stats.Set("completed", Napi::Number::New(env, pool ? pool->completed() : 0));
  stats.Set("failed", Napi::Number::New(env, pool ? pool->failed() : 0));
  stats.Set("batches", Napi::Number::New(env, pool ? pool->batches() : 0));
  return stats;
}

// Runs before the environment's instance data (AddonData) is freed; touches only the pool.
static void CleanupPool(void* arg) {
  HelperPool* pool = static_cast<HelperPool*>(arg);
  std::lock_guard<std::mutex> lock(*g_pools_mu);
  g_pools->erase(std::find(g_pools->begin(), g_pools->end(), pool));
  pool->Shutdown();
  delete pool;
}

void InitHelpers(Napi::Env env, Napi::Object exports) {
  AddonData* data = GetAddonData(env);
  HelperPool* pool = new HelperPool(ResolveHelperCount(-1, Cpus()));
  if (!pool->Init(env)) {
    pool->Shutdown();
    delete pool;
    ThrowError(env, "ERR_IPSEC_HELPERS", "cannot create the helper pool's completion channel");
    return;
  }
  data->pool = pool;
  {
    std::lock_guard<std::mutex> lock(*g_pools_mu);
    g_pools->push_back(pool);
  }
  // Registered after OpenSSL's own atexit cleanup (Node initialised OpenSSL first), so it runs before it.
  static std::once_flag at_exit_once;
  std::call_once(at_exit_once, [] { std::atexit(StopPoolsAtExit); });
  // Added after the threadsafe function, so it runs before Node closes that function (hooks run LIFO).
  napi_add_env_cleanup_hook(env, CleanupPool, pool);
  exports.Set("setHelperThreads", Napi::Function::New(env, SetHelperThreads, "setHelperThreads"));
  exports.Set("helperThreads", Napi::Function::New(env, HelperThreads, "helperThreads"));
  exports.Set("helperStats", Napi::Function::New(env, HelperStats, "helperStats"));
}
