# Helpers shared by the subsystem CMakeLists.

# vidscribe_library(<name> SOURCES <files...> DEPS <targets...>)
# Builds the static library vidscribe_<name> from one src/ folder. Internal headers sit beside their
# .cpp files; the public API is include/vidscribe/.
function(vidscribe_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(vidscribe_${name} STATIC ${ARG_SOURCES})
  target_include_directories(vidscribe_${name}
    PUBLIC ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(vidscribe_${name} PUBLIC ${ARG_DEPS})
  target_compile_options(vidscribe_${name} PRIVATE -Wall -Wextra)
  set_target_properties(vidscribe_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# glibc's heap checks, for the tests of code that hands buffers to libraries the sanitizers do not
# instrument: a write past a buffer by libswscale corrupts the heap's bookkeeping, which these checks turn
# into an abort at the next malloc or free. Empty in sanitizer builds, whose allocator is their own.
find_file(VIDSCRIBE_MALLOC_DEBUG NAMES libc_malloc_debug.so.0 PATHS /lib/${CMAKE_LIBRARY_ARCHITECTURE}
  /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} NO_DEFAULT_PATH)
set(VIDSCRIBE_HEAP_CHECK_ENVIRONMENT "")
if(VIDSCRIBE_MALLOC_DEBUG AND NOT VIDSCRIBE_SANITIZE AND NOT VIDSCRIBE_FUZZ)
  set(VIDSCRIBE_HEAP_CHECK_ENVIRONMENT "MALLOC_CHECK_=3" "MALLOC_PERTURB_=165" "LD_PRELOAD=${VIDSCRIBE_MALLOC_DEBUG}")
endif()

# vidscribe_test(<name> SOURCES <files...> DEPS <targets...> [LABELS <labels...>])
# One GoogleTest program; every test case becomes a ctest test with the given labels (default: fast).
# Tests find ../shared and the vidscribe program through tests/support (compiled-in paths that the
# VIDSCRIBE_SHARED_DIR and VIDSCRIBE_BIN environment variables override).
function(vidscribe_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS;ENVIRONMENT" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS fast)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} vidscribe_test_support GTest::gtest GTest::gtest_main)
  # ENVIRONMENT: NAME=VALUE pairs for the test's process, set by running it through env(1) (a list in the
  # tests' ENVIRONMENT property does not survive gtest_discover_tests).
  if(ARG_ENVIRONMENT)
    set_target_properties(${name} PROPERTIES CROSSCOMPILING_EMULATOR "env;${ARG_ENVIRONMENT}")
  endif()
  gtest_discover_tests(${name}
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()
