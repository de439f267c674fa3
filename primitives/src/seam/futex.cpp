// The native park/unpark: Linux futexes.
#include "weft/seam/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace weft::seam::internal {

namespace {

long futex(const std::atomic<std::uint32_t>& word, int op, std::uint32_t value,
           const timespec* timeout, std::uint32_t bitset) noexcept {
  // std::atomic<uint32_t> is layout-compatible with uint32_t on Linux; the
  // kernel only reads the word.
  auto* address = const_cast<std::atomic<std::uint32_t>*>(&word);
  return ::syscall(SYS_futex, address, op, value, timeout, nullptr, bitset);
}

timespec to_timespec(time_point deadline) noexcept {
  // steady_clock is CLOCK_MONOTONIC on Linux, which is what
  // FUTEX_WAIT_BITSET measures absolute timeouts against.
  const auto since_epoch = deadline.time_since_epoch();
  if (since_epoch.count() < 0) return timespec{0, 0};
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs);
  return timespec{static_cast<time_t>(secs.count()), static_cast<long>(nanos.count())};
}

}  // namespace

wait_result native_futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                              std::optional<time_point> deadline) noexcept {
  timespec ts{};
  const timespec* timeout = nullptr;
  if (deadline) {
    if (*deadline == time_point::max()) {
      timeout = nullptr;  // effectively forever
    } else {
      ts = to_timespec(*deadline);
      timeout = &ts;
    }
  }
  const long rc = futex(word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, timeout,
                        FUTEX_BITSET_MATCH_ANY);
  if (rc == 0) return wait_result::woken;
  switch (errno) {
    case EAGAIN:
      return wait_result::value_changed;
    case ETIMEDOUT:
      return wait_result::timed_out;
    default:
      return wait_result::woken;  // EINTR: a spurious wake-up
  }
}

void native_futex_wake(const std::atomic<std::uint32_t>& word, int count) noexcept {
  futex(word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, static_cast<std::uint32_t>(count), nullptr, 0);
}

}  // namespace weft::seam::internal
