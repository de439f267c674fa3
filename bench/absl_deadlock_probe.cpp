// Does the Abseil this is linked with run absl::Mutex's lock-order deadlock
// detection? Abseil compiles it in only when Abseil itself was built without
// NDEBUG, so a release build of Abseil detects nothing whatever mode is set,
// and a benchmark of its "on" mode would measure nothing. This asks the
// library rather than guessing from how a distribution builds it.
//
// Each probe runs in a child process: take mutexes a then b on one thread,
// then b then a on another (one after the other, so nothing actually
// deadlocks). With detection compiled in, kAbort (Abseil's default in that
// build) kills the child with SIGABRT at the second order; compiled out,
// the child exits normally. Abseil logs its report to stderr.
//
// Exit status: 0 if this Abseil runs its detection (kAbort aborted), 1 if not.
#include <absl/synchronization/mutex.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

// Takes two mutexes in opposite orders on two threads, one after the other.
void invert_lock_order() {
  absl::Mutex a;
  absl::Mutex b;
  std::thread([&] {
    a.Lock();
    b.Lock();
    b.Unlock();
    a.Unlock();
  }).join();
  std::thread([&] {
    b.Lock();
    a.Lock();
    a.Unlock();
    b.Unlock();
  }).join();
}

// Whether the inversion aborted the child; `set_abort` first selects kAbort
// explicitly, otherwise the child runs with Abseil's default mode.
bool aborts(bool set_abort) {
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) {
    std::perror("fork");
    std::exit(2);
  }
  if (child == 0) {
    if (set_abort) absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kAbort);
    invert_lock_order();
    std::_Exit(0);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) {
    std::perror("waitpid");
    std::exit(2);
  }
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

}  // namespace

int main() {
  const bool by_default = aborts(false);
  const bool with_abort = aborts(true);
  std::printf("absl::Mutex lock-order inversion, default mode: %s\n",
              by_default ? "detected (aborted)" : "not detected");
  std::printf("absl::Mutex lock-order inversion, kAbort:       %s\n",
              with_abort ? "detected (aborted)" : "not detected");
  std::printf("verdict: %s\n", with_abort
                                   ? "this Abseil runs its deadlock detection"
                                   : "this Abseil was built with NDEBUG: no deadlock detection");
  return with_abort ? 0 : 1;
}
