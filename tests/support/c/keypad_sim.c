/* Runs the keypad sketch's ELF in simavr (an ATmega328P at 16 MHz) for
 * tests/integration/test_keypad_sketch_sim.py: the test plays the host and the keys.
 *
 * Commands on stdin, one a line:
 *   P <port> <bit> <0|1>   drive an input pin (keys, DIP switches, the mode jumper)
 *   R <us>                 run the keypad for that many microseconds
 *   S <hex>                send bytes to its UART, one every BYTE_US as a line would
 * On stdout, as they happen, with the simulated time in CPU cycles:
 *   U <cycle> <byte>       a byte the keypad starts sending (hex)
 *   D <cycle> <ddr>        port D's direction register changed (the TM1637 lines: a line
 *                          is driven low while its bit is set)
 *   S <cycle>              a byte of a send went onto the wire
 *   OK <cycle>             the command is done
 * simavr prints a few lines of its own; the test reads only these.
 */
#include <simavr/avr_ioport.h>
#include <simavr/avr_uart.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FREQUENCY 16000000UL
#define BYTE_US 100 /* 115200 baud is 87 us a byte; simavr takes a little longer */

static avr_t *avr;

/* Drive an input pin from outside.  simavr lets a pull-up win over a level set before the
 * firmware turned it on, so the level is also given as the port's "external" state. */
static void drive_pin(char port, unsigned bit, unsigned level) {
  static avr_ioport_external_t external['Z'];
  avr_ioport_external_t *e = &external[(unsigned char)port];
  e->name = port;
  e->mask |= 1u << bit;
  e->value = level ? e->value | 1u << bit : e->value & ~(1u << bit);
  avr_ioctl(avr, AVR_IOCTL_IOPORT_SET_EXTERNAL(port), e);
  avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port), bit), level);
}

static void on_uart_output(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq, (void)param;
  printf("U %llu %02x\n", (unsigned long long)avr->cycle, value & 0xFF);
}

static void on_port_d_direction(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq, (void)param;
  printf("D %llu %02x\n", (unsigned long long)avr->cycle, value & 0xFF);
}

static void run_until(avr_cycle_count_t end) {
  while (avr->cycle < end) {
    int state = avr_run(avr);
    if (state == cpu_Done || state == cpu_Crashed) {
      printf("crashed at %llu\n", (unsigned long long)avr->cycle);
      exit(1);
    }
  }
}

int main(int argc, char **argv) {
  elf_firmware_t firmware;
  memset(&firmware, 0, sizeof firmware);
  if (argc != 2 || elf_read_firmware(argv[1], &firmware) != 0) return 2;
  avr = avr_make_mcu_by_name("atmega328p");
  if (!avr) return 2;
  avr_init(avr);
  avr->frequency = FREQUENCY;
  avr_load_firmware(avr, &firmware);

  uint32_t flags = 0; /* no echo of the UART on stdout, no sleeping while it is polled */
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
                          on_uart_output, NULL);
  avr_irq_register_notify(
      avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('D'), IOPORT_IRQ_DIRECTION_ALL),
      on_port_d_direction, NULL);
  avr_irq_t *uart_input = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);

  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    char port;
    unsigned bit, level, us;
    if (sscanf(line, "P %c %u %u", &port, &bit, &level) == 3 && port >= 'A' && port < 'Z') {
      drive_pin(port, bit, level);
    } else if (sscanf(line, "R %u", &us) == 1) {
      run_until(avr->cycle + (avr_cycle_count_t)us * (FREQUENCY / 1000000));
    } else if (line[0] == 'S') {
      unsigned byte;
      for (const char *hex = line + 2; sscanf(hex, "%2x", &byte) == 1; hex += 2) {
        avr_raise_irq(uart_input, byte);
        printf("S %llu\n", (unsigned long long)avr->cycle);
        run_until(avr->cycle + BYTE_US * (FREQUENCY / 1000000));
      }
    } else {
      return 2;
    }
    printf("OK %llu\n", (unsigned long long)avr->cycle);
    fflush(stdout);
  }
  return 0;
}
