// Fiber-switch annotations for AddressSanitizer and ThreadSanitizer; no-ops
// in builds without them.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_RT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_RT_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define WEFT_RT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_RT_TSAN 1
#endif
#endif

#if defined(WEFT_RT_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif
#if defined(WEFT_RT_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

// Always inlined: under TSan an out-of-line helper's entry would be recorded
// on one fiber's shadow call stack and its exit on the other's.
#define WEFT_RT_INLINE [[gnu::always_inline]] inline

namespace weft::rt {

WEFT_RT_INLINE void asan_start_switch([[maybe_unused]] void** fake_stack_save,
                                      [[maybe_unused]] const void* bottom,
                                      [[maybe_unused]] std::size_t size) {
#if defined(WEFT_RT_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

WEFT_RT_INLINE void asan_finish_switch([[maybe_unused]] void* fake_stack_save,
                                       [[maybe_unused]] const void** bottom_old,
                                       [[maybe_unused]] std::size_t* size_old) {
#if defined(WEFT_RT_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#endif
}

WEFT_RT_INLINE void unpoison_stack([[maybe_unused]] void* bottom,
                                   [[maybe_unused]] std::size_t size) {
#if defined(WEFT_RT_ASAN)
  __asan_unpoison_memory_region(bottom, size);
#endif
}

// While alive, heap allocations of this OS thread are not reported as
// leaks by LeakSanitizer.
// (Not `= default`: the bodies are empty only in builds without ASan.)
class leak_check_off {
 public:
  leak_check_off() noexcept {  // NOLINT(modernize-use-equals-default)
#if defined(WEFT_RT_ASAN)
    __lsan_disable();
#endif
  }
  leak_check_off(const leak_check_off&) = delete;
  leak_check_off& operator=(const leak_check_off&) = delete;
  ~leak_check_off() {  // NOLINT(modernize-use-equals-default)
#if defined(WEFT_RT_ASAN)
    __lsan_enable();
#endif
  }
};

WEFT_RT_INLINE void* tsan_current_fiber() {
#if defined(WEFT_RT_TSAN)
  return __tsan_get_current_fiber();
#else
  return nullptr;
#endif
}

WEFT_RT_INLINE void* tsan_create_fiber() {
#if defined(WEFT_RT_TSAN)
  return __tsan_create_fiber(0);
#else
  return nullptr;
#endif
}

WEFT_RT_INLINE void tsan_destroy_fiber([[maybe_unused]] void* fiber) {
#if defined(WEFT_RT_TSAN)
  __tsan_destroy_fiber(fiber);
#endif
}

// Switching with flags 0 makes TSan see a happens-before edge across the
// switch: fibers hand over strictly, so there is no race between them.
WEFT_RT_INLINE void tsan_switch_to([[maybe_unused]] void* fiber) {
#if defined(WEFT_RT_TSAN)
  __tsan_switch_to_fiber(fiber, 0);
#endif
}

}  // namespace weft::rt
