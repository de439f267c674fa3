// weft/thread.hpp
//
// `weft::thread` and `weft::this_thread`: std::thread for code that weft can
// check. Natively a weft::thread is a std::thread (started through the seam);
// under `weft::check` it is a model thread, a fiber the checker schedules,
// and its start and join are scheduling points.
//
//   weft::atomic<int> hits{0};
//   weft::thread t([&hits](int n) { hits.fetch_add(n); }, 2);
//   t.join();
//
// Contract (as std::thread):
//   * The callable and its arguments are decay-copied into the new thread;
//     move-only arguments are accepted.
//   * `join` blocks until the thread has finished; `detach` lets it run on.
//     Calling either on a thread that is not joinable is invalid (natively a
//     null dereference; a checker reports it).
//   * Destroying or move-assigning over a joinable thread calls
//     std::terminate natively. Under a checker it is reported as a finding
//     ("thread left unjoined") instead, so the search can go on.
//   * An exception escaping the callable calls std::terminate natively;
//     under a checker it is a failure of the execution.
//
// Cost: natively that of std::thread plus one heap allocation for the
// type-erased body.
#pragma once

#include <compare>
#include <exception>
#include <functional>
#include <memory>
#include <ostream>
#include <type_traits>
#include <utility>

#include "weft/seam/thread.hpp"

namespace weft {

class thread {
 public:
  // A thread's identity; a default-constructed id names no thread.
  class id {
   public:
    id() noexcept = default;
    explicit id(seam::thread_id value) noexcept : value_(value) {}
    [[nodiscard]] seam::thread_id value() const noexcept { return value_; }
    friend auto operator<=>(id, id) = default;
    friend std::ostream& operator<<(std::ostream& out, id i) { return out << i.value_; }

   private:
    seam::thread_id value_ = 0;
  };

  thread() noexcept = default;

  template <typename F, typename... Args>
  requires(!std::is_same_v<std::remove_cvref_t<F>, thread>) explicit thread(F&& f, Args&&... args)
      : handle_(seam::start_thread(make_body(std::forward<F>(f), std::forward<Args>(args)...))) {}

  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  thread(thread&& other) noexcept = default;
  thread& operator=(thread&& other) noexcept {
    if (joinable()) abandon();
    handle_ = std::move(other.handle_);
    return *this;
  }
  ~thread() {
    if (joinable()) abandon();
  }

  [[nodiscard]] bool joinable() const noexcept { return handle_ != nullptr; }
  [[nodiscard]] id get_id() const noexcept { return handle_ ? id(handle_->id()) : id(); }

  void join(weft::source_location where = weft::source_location::current()) {
    handle_->join(where);
    handle_.reset();
  }
  void detach(weft::source_location where = weft::source_location::current()) {
    handle_->detach(where);
    handle_.reset();
  }
  void swap(thread& other) noexcept { handle_.swap(other.handle_); }

  [[nodiscard]] static unsigned hardware_concurrency() noexcept {
    return seam::hardware_concurrency();
  }

 private:
  // As std::thread: decayed copies of the function and its arguments,
  // made on the calling thread, invoked as rvalues on the new one. A small
  // body (a lambda capturing a few references) lives inside the
  // seam::thread_body, with no allocation, which matters to a model
  // checker starting threads millions of times.
  template <typename F, typename... Args>
  static seam::thread_body make_body(F&& f, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      return [fn = std::decay_t<F>(std::forward<F>(f))]() mutable { std::invoke(std::move(fn)); };
    } else {
      return [fn = std::decay_t<F>(std::forward<F>(f)),
              ... a = std::decay_t<Args>(std::forward<Args>(args))]() mutable {
        std::invoke(std::move(fn), std::move(a)...);
      };
    }
  }

  // Natively std::thread's rule; under a runtime the handle's destructor
  // reports the unjoined thread.
  void abandon() noexcept {
    if (seam::active() == nullptr) std::terminate();
    handle_.reset();
  }

  std::unique_ptr<seam::thread_handle> handle_;
};

namespace this_thread {

// Gives up the processor; under a checker, a scheduling point.
inline void yield() {
  seam::yield();
}

[[nodiscard]] inline thread::id get_id() noexcept {
  return thread::id(seam::current_thread_id());
}

}  // namespace this_thread

}  // namespace weft
