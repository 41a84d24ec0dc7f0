package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// readIO reads the write-class system calls (syscw: write, pwrite64,
// writev…) and the bytes sent to the storage layer (write_bytes: each
// page dirtied in the page cache, counted once until it is written back)
// of process pid so far, from /proc/<pid>/io.
func readIO(pid int) (syscw, wbytes int64, err error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return -1, -1, err
	}
	syscw, wbytes = -1, -1
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		k, v, ok := bytes.Cut(sc.Bytes(), []byte(": "))
		if !ok {
			continue
		}
		n, perr := strconv.ParseInt(string(v), 10, 64)
		if perr != nil {
			continue
		}
		switch string(k) {
		case "syscw":
			syscw = n
		case "write_bytes":
			wbytes = n
		}
	}
	if syscw < 0 || wbytes < 0 {
		return -1, -1, fmt.Errorf("/proc/%d/io: no syscw or write_bytes", pid)
	}
	return syscw, wbytes, nil
}
