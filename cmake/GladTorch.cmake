# Locate the installed torch (headers + libraries) from the Python interpreter that runs the build.
# Uses torch.utils.cmake_prefix_path to find the install, without find_package(Torch): the stable-ABI kernels
# need only torch's headers and libtorch_cpu, and TorchConfig.cmake would demand a CUDA toolkit for CUDA wheels
# even in CPU-only builds.
find_package(Python COMPONENTS Interpreter REQUIRED)
execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
          "import torch, torch.utils; print(torch.utils.cmake_prefix_path); print(torch.__version__)"
  OUTPUT_VARIABLE _glad_torch_out
  RESULT_VARIABLE _glad_torch_rc
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _glad_torch_rc EQUAL 0)
  message(FATAL_ERROR "glad-ops: cannot import torch with ${Python_EXECUTABLE}; install torch >= 2.10 first "
                      "(and build with pip --no-build-isolation)")
endif()
string(REPLACE "\n" ";" _glad_torch_out "${_glad_torch_out}")
list(GET _glad_torch_out 0 GLAD_TORCH_CMAKE_PREFIX)
list(GET _glad_torch_out 1 GLAD_TORCH_VERSION)
get_filename_component(GLAD_TORCH_ROOT "${GLAD_TORCH_CMAKE_PREFIX}/../.." ABSOLUTE)
set(GLAD_TORCH_INCLUDE_DIR "${GLAD_TORCH_ROOT}/include")
find_library(GLAD_TORCH_CPU_LIBRARY torch_cpu PATHS "${GLAD_TORCH_ROOT}/lib" NO_DEFAULT_PATH REQUIRED)
if(NOT EXISTS "${GLAD_TORCH_INCLUDE_DIR}/torch/csrc/stable/library.h")
  message(FATAL_ERROR "glad-ops: torch ${GLAD_TORCH_VERSION} has no stable ABI headers; torch >= 2.10 is needed")
endif()
message(STATUS "glad-ops: torch ${GLAD_TORCH_VERSION} at ${GLAD_TORCH_ROOT}")

# Stable ABI target 2.10 (format of torch/csrc/stable/version.h: major << 56 | minor << 48).
set(GLAD_TORCH_TARGET_VERSION "0x020A000000000000")
