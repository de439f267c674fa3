// Native thread identity, yield and spawn.
#include "weft/seam/thread.hpp"

#include <sched.h>

#include <atomic>
#include <thread>

namespace weft::seam::internal {

namespace {

std::atomic<thread_id> g_next_thread_id{1};
thread_local thread_id t_thread_id = 0;

class native_thread final : public thread_handle {
 public:
  explicit native_thread(thread_body body) {
    // The id is assigned before the thread starts so that id() is valid at
    // once and the child sees the same number.
    const thread_id id = g_next_thread_id.fetch_add(1, std::memory_order_relaxed);
    id_ = id;
    thread_ = std::thread([id, body = std::move(body)]() mutable {
      t_thread_id = id;
      body();
    });
  }
  void join(weft::source_location /*where*/) override { thread_.join(); }
  void detach(weft::source_location /*where*/) override { thread_.detach(); }
  [[nodiscard]] thread_id id() const noexcept override { return id_; }

 private:
  thread_id id_ = 0;
  std::thread thread_;
};

}  // namespace

thread_id native_thread_id() noexcept {
  if (t_thread_id == 0) [[unlikely]] {
    t_thread_id = g_next_thread_id.fetch_add(1, std::memory_order_relaxed);
  }
  return t_thread_id;
}

void native_yield() noexcept {
  ::sched_yield();
}

std::unique_ptr<thread_handle> native_spawn(thread_body body) {
  return std::make_unique<native_thread>(std::move(body));
}

}  // namespace weft::seam::internal

namespace weft::seam {

unsigned hardware_concurrency() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

}  // namespace weft::seam
