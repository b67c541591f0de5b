#include <cstdio>

int main() {
  std::puts("cfmigrate: under construction");
  return 0;
}
