import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { StartupCheckError } from '../common/lifecycle/startup-check-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MessagesRepository } from './messages.repository';
import { configOfSearchVector, SEARCH_TEXT_CONFIG_VAR } from './search-text-config';

/**
 * Refuses to start when the search index was built with another text search configuration than
 * SEARCH_TEXT_CONFIG: queries in one language against words stemmed in another find nothing, and
 * nobody would know why.
 */
@Injectable()
export class SearchIndexCheck implements OnApplicationBootstrap {
  constructor(
    private readonly repository: MessagesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const wanted = this.config.search.textConfig;
    const expression = await this.repository.searchVectorExpression();
    if (expression === null) {
      throw new StartupCheckError(
        'messages.search_vector is missing: run the migrations (npm run migration:run)',
      );
    }
    const built = configOfSearchVector(expression);
    if (built !== wanted) {
      throw new StartupCheckError(
        `${SEARCH_TEXT_CONFIG_VAR} is "${wanted}" but messages are indexed with "${built}": ` +
          `set ${SEARCH_TEXT_CONFIG_VAR}=${built}, or rebuild the index with ` +
          `"${SEARCH_TEXT_CONFIG_VAR}=${wanted} npm run search:reindex" (it rewrites the messages table)`,
      );
    }
  }
}
