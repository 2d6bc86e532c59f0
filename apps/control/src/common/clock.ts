import { Injectable } from '@nestjs/common';

/** The clock behind an injectable, so timestamps can be pinned in tests. */
@Injectable()
export class Clock {
  /** Epoch seconds, the unit AWS uses for every management API timestamp. */
  nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }
}
